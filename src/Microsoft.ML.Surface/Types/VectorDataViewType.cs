using System.Collections.Immutable;

namespace Microsoft.ML.Data;

/// <summary>
/// A vector column type: values are <see cref="VBuffer{T}"/> of the item type's raw type. A vector has known size
/// when every dimension is positive; a single dimension of 0 (or no dimension) means variable size.
/// </summary>
public sealed class VectorDataViewType : DataViewType
{
    /// <summary>Creates a vector type.</summary>
    /// <param name="itemType">The type of each element.</param>
    /// <param name="dimensions">The dimensions; none, or a single 0, for a vector of variable size.</param>
    public VectorDataViewType(PrimitiveDataViewType itemType, params int[] dimensions)
        : this(itemType, ImmutableArray.Create(dimensions ?? []))
    {
    }

    /// <summary>Creates a vector type.</summary>
    /// <param name="itemType">The type of each element.</param>
    /// <param name="dimensions">The dimensions; empty, or a single 0, for a vector of variable size.</param>
    public VectorDataViewType(PrimitiveDataViewType itemType, ImmutableArray<int> dimensions)
        : base(MakeRawType(itemType))
    {
        ItemType = itemType;
        if (dimensions.IsDefaultOrEmpty)
        {
            dimensions = [0];
        }

        if (dimensions.Any(d => d < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), "Vector dimensions cannot be negative.");
        }

        if (dimensions.Length > 1 && dimensions.Skip(1).Any(d => d == 0))
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), "Only the first dimension of a vector can be unknown (0).");
        }

        Dimensions = dimensions;
        Size = dimensions.Any(d => d == 0) ? 0 : checked(dimensions.Aggregate(1, (a, d) => a * d));
    }

    /// <summary>The type of each element.</summary>
    public PrimitiveDataViewType ItemType { get; }

    /// <summary>The dimensions of the vector; a 0 dimension means unknown.</summary>
    public ImmutableArray<int> Dimensions { get; }

    /// <summary>The number of elements, or 0 when the size varies from row to row.</summary>
    public int Size { get; }

    /// <summary>Whether all rows' vectors have the same, known, size.</summary>
    public bool IsKnownSize => Size > 0;

    private static Type MakeRawType(PrimitiveDataViewType itemType)
    {
        ArgumentNullException.ThrowIfNull(itemType);
        return typeof(VBuffer<>).MakeGenericType(itemType.RawType);
    }

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) =>
        other is VectorDataViewType vector && vector.ItemType.Equals(ItemType) && vector.Dimensions.SequenceEqual(Dimensions);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewType other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(ItemType, Size, Dimensions.Length);

    /// <inheritdoc/>
    public override string ToString() =>
        IsKnownSize ? $"Vector<{ItemType}, {string.Join(", ", Dimensions)}>" : $"Vector<{ItemType}>";
}
