namespace Microsoft.ML.Data;

/// <summary>Names the source column(s) of a text file that a field or property is loaded from.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class LoadColumnAttribute : Attribute
{
    /// <summary>Loads the member from the source column at <paramref name="fieldIndex"/> (0-based).</summary>
    /// <param name="fieldIndex">The source column index.</param>
    public LoadColumnAttribute(int fieldIndex)
        : this([fieldIndex])
    {
    }

    /// <summary>Loads a vector member from the source columns <paramref name="start"/> to <paramref name="end"/>, inclusive.</summary>
    /// <param name="start">The first source column index.</param>
    /// <param name="end">The last source column index.</param>
    public LoadColumnAttribute(int start, int end)
        : this(end >= start ? Enumerable.Range(start, end - start + 1).ToArray() : throw new ArgumentOutOfRangeException(nameof(end)))
    {
    }

    /// <summary>Loads a vector member from the listed source columns.</summary>
    /// <param name="columnIndexes">The source column indices.</param>
    public LoadColumnAttribute(int[] columnIndexes)
    {
        if (columnIndexes is null || columnIndexes.Length == 0 || columnIndexes.Any(i => i < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(columnIndexes), "Source column indices must be non-negative.");
        }

        ColumnIndexes = columnIndexes;
    }

    internal int[] ColumnIndexes { get; }
}

/// <summary>Gives the column a field or property maps to a name other than the member's.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class ColumnNameAttribute : Attribute
{
    /// <summary>Maps the member to the column <paramref name="name"/>.</summary>
    /// <param name="name">The column name.</param>
    public ColumnNameAttribute(string name)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
    }

    /// <summary>The column name.</summary>
    public string Name { get; }
}

/// <summary>Declares the dimensions of a vector-valued field or property.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class VectorTypeAttribute : Attribute
{
    /// <summary>Declares a vector of variable size.</summary>
    public VectorTypeAttribute()
    {
        Dims = [];
    }

    /// <summary>Declares a vector of the given dimensions.</summary>
    /// <param name="dims">The dimensions.</param>
    public VectorTypeAttribute(params int[] dims)
    {
        Dims = dims ?? [];
    }

    /// <summary>The dimensions; empty for a variable size.</summary>
    public int[] Dims { get; }
}

/// <summary>Declares an unsigned integer field or property to be a key of <see cref="KeyCount"/> values.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class KeyTypeAttribute : Attribute
{
    /// <summary>Declares a key type whose count is the largest the member type allows.</summary>
    public KeyTypeAttribute()
    {
    }

    /// <summary>Declares a key type of <paramref name="count"/> values.</summary>
    /// <param name="count">The number of key values.</param>
    public KeyTypeAttribute(ulong count)
    {
        KeyCount = count;
    }

    /// <summary>The number of key values, or <see langword="null"/> for the maximum of the member type.</summary>
    public ulong? KeyCount { get; }
}

/// <summary>Excludes a field or property from the columns of its type.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class NoColumnAttribute : Attribute
{
}
