namespace Microsoft.ML.Data;

/// <summary>Creates <see cref="VBufferEditor{T}"/> instances.</summary>
public static class VBufferEditor
{
    /// <summary>Starts editing <paramref name="destination"/> as a vector of <paramref name="newLogicalLength"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="destination">The vector whose buffers are reused when large enough.</param>
    /// <param name="newLogicalLength">The length of the edited vector.</param>
    /// <param name="valuesCount">The number of explicit values; <see langword="null"/> for a dense vector.</param>
    /// <param name="keepOldOnResize">Whether to keep the old values when the buffers grow.</param>
    /// <returns>An editor whose <see cref="VBufferEditor{T}.Commit"/> gives the new vector.</returns>
    public static VBufferEditor<T> Create<T>(ref VBuffer<T> destination, int newLogicalLength, int? valuesCount = null, bool keepOldOnResize = false)
    {
        int count = valuesCount ?? newLogicalLength;
        ArgumentOutOfRangeException.ThrowIfNegative(newLogicalLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, newLogicalLength, nameof(valuesCount));
        var values = destination.ValuesArray;
        var indices = destination.IndicesArray;
        bool created = false;
        if (values is null || values.Length < count)
        {
            var fresh = new T[Math.Max(count, 1)];
            if (keepOldOnResize && values is not null)
            {
                values.AsSpan().CopyTo(fresh);
            }

            values = fresh;
            created = true;
        }

        if (count < newLogicalLength && (indices is null || indices.Length < count))
        {
            var fresh = new int[Math.Max(count, 1)];
            if (keepOldOnResize && indices is not null)
            {
                indices.AsSpan().CopyTo(fresh);
            }

            indices = fresh;
            created = true;
        }

        return new VBufferEditor<T>(newLogicalLength, count, values, indices, created);
    }

    /// <summary>Starts writing a new dense vector of <paramref name="length"/> elements.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="length">The length of the new vector.</param>
    /// <returns>An editor over fresh buffers.</returns>
    public static VBufferEditor<T> Create<T>(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new VBufferEditor<T>(length, length, new T[Math.Max(length, 1)], null, createdNewValues: true);
    }
}

/// <summary>Writes the values (and indices) of a <see cref="VBuffer{T}"/> in place, then commits it.</summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly ref struct VBufferEditor<T>
{
    private readonly int _length;
    private readonly int _count;
    private readonly T[] _values;
    private readonly int[]? _indices;

    internal VBufferEditor(int length, int count, T[] values, int[]? indices, bool createdNewValues)
    {
        _length = length;
        _count = count;
        _values = values;
        _indices = indices;
        CreatedNewValues = createdNewValues;
    }

    /// <summary>The values to write: one per stored element.</summary>
    public Span<T> Values => _values.AsSpan(0, _count);

    /// <summary>The indices to write for a sparse vector; empty for a dense one.</summary>
    public Span<int> Indices => _count == _length || _indices is null ? default : _indices.AsSpan(0, _count);

    /// <summary>Whether new buffers had to be allocated.</summary>
    public bool CreatedNewValues { get; }

    /// <summary>Gives the edited vector.</summary>
    /// <returns>The vector.</returns>
    public VBuffer<T> Commit() => new(_length, _count, _values, _indices);
}
