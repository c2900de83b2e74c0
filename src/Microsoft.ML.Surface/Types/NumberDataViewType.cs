namespace Microsoft.ML.Data;

/// <summary>The numeric column types. Use the static instances, such as <see cref="Single"/>.</summary>
public sealed class NumberDataViewType : PrimitiveDataViewType
{
    private readonly string _name;

    private NumberDataViewType(Type rawType, string name)
        : base(rawType)
    {
        _name = name;
    }

    /// <summary>The signed 8-bit integer type.</summary>
    public static NumberDataViewType SByte { get; } = new(typeof(sbyte), "SByte");

    /// <summary>The unsigned 8-bit integer type.</summary>
    public static NumberDataViewType Byte { get; } = new(typeof(byte), "Byte");

    /// <summary>The signed 16-bit integer type.</summary>
    public static NumberDataViewType Int16 { get; } = new(typeof(short), "Int16");

    /// <summary>The unsigned 16-bit integer type.</summary>
    public static NumberDataViewType UInt16 { get; } = new(typeof(ushort), "UInt16");

    /// <summary>The signed 32-bit integer type.</summary>
    public static NumberDataViewType Int32 { get; } = new(typeof(int), "Int32");

    /// <summary>The unsigned 32-bit integer type.</summary>
    public static NumberDataViewType UInt32 { get; } = new(typeof(uint), "UInt32");

    /// <summary>The signed 64-bit integer type.</summary>
    public static NumberDataViewType Int64 { get; } = new(typeof(long), "Int64");

    /// <summary>The unsigned 64-bit integer type.</summary>
    public static NumberDataViewType UInt64 { get; } = new(typeof(ulong), "UInt64");

    /// <summary>The single-precision floating point type.</summary>
    public static NumberDataViewType Single { get; } = new(typeof(float), "Single");

    /// <summary>The double-precision floating point type.</summary>
    public static NumberDataViewType Double { get; } = new(typeof(double), "Double");

    internal static IReadOnlyList<NumberDataViewType> All { get; } =
        [SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single, Double];

    internal static NumberDataViewType? FromRawType(Type rawType) =>
        All.FirstOrDefault(t => t.RawType == rawType);

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    /// <inheritdoc/>
    public override int GetHashCode() => RawType.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => _name;
}
