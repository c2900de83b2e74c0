namespace Microsoft.ML;

/// <summary>
/// The base of ML.NET's column type system. Every column of an <see cref="IDataView"/> has a type, and
/// <see cref="RawType"/> is the .NET type its values are read as.
/// </summary>
public abstract class DataViewType : IEquatable<DataViewType>
{
    /// <summary>Creates a type whose values are read as <paramref name="rawType"/>.</summary>
    /// <param name="rawType">The .NET type of a value of this column type.</param>
    protected DataViewType(Type rawType)
    {
        RawType = rawType ?? throw new ArgumentNullException(nameof(rawType));
    }

    /// <summary>The .NET type of a value of this column type.</summary>
    public Type RawType { get; }

    /// <summary>Whether <paramref name="other"/> is the same column type.</summary>
    /// <param name="other">The type to compare with.</param>
    /// <returns><see langword="true"/> when both types are equal.</returns>
    public abstract bool Equals(DataViewType? other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewType other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => RawType.GetHashCode();
}
