namespace Microsoft.ML.Data;

/// <summary>The text column type; values are read as <see cref="ReadOnlyMemory{T}"/> of <see cref="char"/>.</summary>
public sealed class TextDataViewType : PrimitiveDataViewType
{
    private TextDataViewType()
        : base(typeof(ReadOnlyMemory<char>))
    {
    }

    /// <summary>The single instance of the text type.</summary>
    public static TextDataViewType Instance { get; } = new();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    /// <inheritdoc/>
    public override int GetHashCode() => RawType.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => "String";
}
