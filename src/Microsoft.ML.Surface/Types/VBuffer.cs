namespace Microsoft.ML.Data;

/// <summary>
/// A vector value, dense or sparse. A dense buffer holds <see cref="Length"/> values; a sparse one holds fewer values
/// and their strictly increasing indices, every other element being <c>default</c>.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly struct VBuffer<T>
{
    private readonly T[]? _values;
    private readonly int[]? _indices;
    private readonly int _count;

    /// <summary>Creates a dense vector, or a sparse one when <paramref name="indices"/> is given.</summary>
    /// <param name="length">The logical length.</param>
    /// <param name="values">The values; at least <paramref name="length"/> of them for a dense vector.</param>
    /// <param name="indices">The indices of the values of a sparse vector, or <see langword="null"/> for dense.</param>
    public VBuffer(int length, T[] values, int[]? indices = null)
        : this(length, indices is null ? length : Math.Min(values?.Length ?? 0, indices.Length), values, indices)
    {
    }

    /// <summary>Creates a vector holding <paramref name="count"/> explicit values.</summary>
    /// <param name="length">The logical length.</param>
    /// <param name="count">The number of explicit values; equal to <paramref name="length"/> for a dense vector.</param>
    /// <param name="values">The values.</param>
    /// <param name="indices">The indices of the values when <paramref name="count"/> is below <paramref name="length"/>.</param>
    public VBuffer(int length, int count, T[]? values, int[]? indices)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, length);
        if (count > 0 && (values is null || values.Length < count))
        {
            throw new ArgumentException("Fewer values than the vector needs.", nameof(values));
        }

        if (count < length && count > 0 && (indices is null || indices.Length < count))
        {
            throw new ArgumentException("A sparse vector needs an index per value.", nameof(indices));
        }

        Length = length;
        _count = count;
        _values = values;
        _indices = indices;
    }

    /// <summary>The logical length of the vector.</summary>
    public int Length { get; }

    /// <summary>Whether every element is stored explicitly.</summary>
    public bool IsDense => _count == Length;

    /// <summary>The explicitly stored values (all of them when dense).</summary>
    /// <returns>The values.</returns>
    public ReadOnlySpan<T> GetValues() => _values is null ? default : _values.AsSpan(0, _count);

    /// <summary>The indices of the stored values; empty when dense.</summary>
    /// <returns>The indices.</returns>
    public ReadOnlySpan<int> GetIndices() => IsDense || _indices is null ? default : _indices.AsSpan(0, _count);

    /// <summary>The element at <paramref name="index"/>, or <c>default</c> when a sparse vector does not store it.</summary>
    /// <param name="index">The element index.</param>
    /// <returns>The element.</returns>
    public T GetItemOrDefault(int index)
    {
        if ((uint)index >= (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        if (IsDense)
        {
            return _values![index];
        }

        int found = GetIndices().BinarySearch(index);
        return found >= 0 ? _values![found] : default!;
    }

    /// <summary>Enumerates all <see cref="Length"/> elements, filling in defaults for a sparse vector.</summary>
    /// <returns>The elements in order.</returns>
    public IEnumerable<T> DenseValues()
    {
        for (int i = 0; i < Length; i++)
        {
            yield return GetItemOrDefault(i);
        }
    }

    /// <summary>Enumerates the (index, value) pairs: the stored ones, or all of them when <paramref name="all"/>.</summary>
    /// <param name="all">Whether to include the implicit default elements of a sparse vector.</param>
    /// <returns>The pairs in index order.</returns>
    public IEnumerable<KeyValuePair<int, T>> Items(bool all = false)
    {
        if (all || IsDense)
        {
            for (int i = 0; i < Length; i++)
            {
                yield return new KeyValuePair<int, T>(i, GetItemOrDefault(i));
            }

            yield break;
        }

        for (int i = 0; i < _count; i++)
        {
            yield return new KeyValuePair<int, T>(_indices![i], _values![i]);
        }
    }

    /// <summary>Copies the vector into <paramref name="destination"/>, reusing its buffers when large enough.</summary>
    /// <param name="destination">The vector to overwrite.</param>
    public void CopyTo(ref VBuffer<T> destination)
    {
        var editor = VBufferEditor.Create(ref destination, Length, _count);
        GetValues().CopyTo(editor.Values);
        if (!IsDense)
        {
            GetIndices().CopyTo(editor.Indices);
        }

        destination = editor.Commit();
    }

    /// <summary>Copies the vector into <paramref name="destination"/> as a dense vector.</summary>
    /// <param name="destination">The vector to overwrite.</param>
    public void CopyToDense(ref VBuffer<T> destination)
    {
        var editor = VBufferEditor.Create(ref destination, Length);
        CopyTo(editor.Values);
        destination = editor.Commit();
    }

    /// <summary>Writes all <see cref="Length"/> elements into <paramref name="destination"/>.</summary>
    /// <param name="destination">A span of at least <see cref="Length"/> elements.</param>
    public void CopyTo(Span<T> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException("The destination is shorter than the vector.", nameof(destination));
        }

        if (IsDense)
        {
            GetValues().CopyTo(destination);
            return;
        }

        destination[..Length].Clear();
        var values = GetValues();
        var indices = GetIndices();
        for (int i = 0; i < values.Length; i++)
        {
            destination[indices[i]] = values[i];
        }
    }

    /// <summary>Copies all elements into <paramref name="destination"/> starting at <paramref name="destinationIndex"/>.</summary>
    /// <param name="destination">The array to fill.</param>
    /// <param name="destinationIndex">The first index written.</param>
    /// <param name="defaultValue">The value of elements a sparse vector does not store.</param>
    public void CopyTo(Span<T> destination, int destinationIndex, T defaultValue = default!)
    {
        var target = destination.Slice(destinationIndex, Length);
        if (IsDense)
        {
            GetValues().CopyTo(target);
            return;
        }

        target.Fill(defaultValue);
        var values = GetValues();
        var indices = GetIndices();
        for (int i = 0; i < values.Length; i++)
        {
            target[indices[i]] = values[i];
        }
    }

    internal T[]? ValuesArray => _values;

    internal int[]? IndicesArray => _indices;

    /// <inheritdoc/>
    public override string ToString() => $"VBuffer<{typeof(T).Name}>[{Length}]{(IsDense ? string.Empty : " sparse")}";
}
