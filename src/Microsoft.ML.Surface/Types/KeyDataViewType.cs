namespace Microsoft.ML.Data;

/// <summary>
/// A key column type: an unsigned integer index into a set of <see cref="Count"/> values. Keys are 1-based;
/// the value 0 means missing. The values a key stands for travel in the column's <c>KeyValues</c> annotation.
/// </summary>
public sealed class KeyDataViewType : PrimitiveDataViewType
{
    /// <summary>Creates a key type of raw type <paramref name="type"/> with <paramref name="count"/> values.</summary>
    /// <param name="type">One of <see cref="byte"/>, <see cref="ushort"/>, <see cref="uint"/>, <see cref="ulong"/>.</param>
    /// <param name="count">The number of key values; must be positive and fit in <paramref name="type"/>.</param>
    public KeyDataViewType(Type type, ulong count)
        : base(type)
    {
        if (!IsValidDataType(type))
        {
            throw new ArgumentException($"Type '{type}' cannot be a key type; use byte, ushort, uint or ulong.", nameof(type));
        }

        if (count == 0 || count > MaxCount(type))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The key count must be in [1, {MaxCount(type)}] for {type.Name}.");
        }

        Count = count;
    }

    /// <summary>Creates a key type of raw type <paramref name="type"/> with <paramref name="count"/> values.</summary>
    /// <param name="type">One of <see cref="byte"/>, <see cref="ushort"/>, <see cref="uint"/>, <see cref="ulong"/>.</param>
    /// <param name="count">The number of key values; must be positive.</param>
    public KeyDataViewType(Type type, int count)
        : this(type, count > 0 ? (ulong)count : throw new ArgumentOutOfRangeException(nameof(count), count, "The key count must be positive."))
    {
    }

    /// <summary>The number of key values: keys run from 1 to <see cref="Count"/>, 0 is missing.</summary>
    public ulong Count { get; }

    /// <summary>Whether <paramref name="type"/> can be the raw type of a key.</summary>
    /// <param name="type">The candidate raw type.</param>
    /// <returns><see langword="true"/> for byte, ushort, uint and ulong.</returns>
    public static bool IsValidDataType(Type type) =>
        type == typeof(byte) || type == typeof(ushort) || type == typeof(uint) || type == typeof(ulong);

    private static ulong MaxCount(Type type) =>
        type == typeof(byte) ? byte.MaxValue
        : type == typeof(ushort) ? ushort.MaxValue
        : type == typeof(uint) ? uint.MaxValue
        : ulong.MaxValue - 1;

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) =>
        other is KeyDataViewType key && key.RawType == RawType && key.Count == Count;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewType other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(RawType, Count);

    /// <inheritdoc/>
    public override string ToString() => $"Key<{RawType.Name}, 0-{Count - 1}>";
}
