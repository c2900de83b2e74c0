namespace Microsoft.ML.Data;

/// <summary>The boolean column type; values are read as <see cref="bool"/>.</summary>
public sealed class BooleanDataViewType : PrimitiveDataViewType
{
    private BooleanDataViewType()
        : base(typeof(bool))
    {
    }

    /// <summary>The single instance of the boolean type.</summary>
    public static BooleanDataViewType Instance { get; } = new();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    /// <inheritdoc/>
    public override int GetHashCode() => RawType.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => "Boolean";
}
