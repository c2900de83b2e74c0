using Microsoft.ML.Data.Internal;

namespace Microsoft.ML;

/// <summary>
/// Applies a model to one object at a time. The model's output view is built once; each prediction runs a cursor
/// over a one-row input. Not thread-safe: create one engine per thread.
/// </summary>
/// <typeparam name="TSrc">The input class.</typeparam>
/// <typeparam name="TDst">The output class.</typeparam>
public sealed class PredictionEngine<TSrc, TDst> : IDisposable
    where TSrc : class
    where TDst : class, new()
{
    private readonly SingleItem _source = new();
    private readonly IDataView _output;
    private readonly ObjectReader<TDst> _reader;
    private bool _disposed;

    internal PredictionEngine(ITransformer transformer, DataViewSchema? inputSchema, bool ignoreMissingColumns)
    {
        var input = inputSchema is null ? new EnumerableDataView<TSrc>(_source) : new EnumerableDataView<TSrc>(_source, inputSchema);
        _output = transformer.Transform(input);
        _reader = new ObjectReader<TDst>(_output.Schema, ignoreMissingColumns);
    }

    /// <summary>The schema of the model's output.</summary>
    public DataViewSchema OutputSchema => _output.Schema;

    /// <summary>Predicts for <paramref name="example"/>.</summary>
    /// <param name="example">The input.</param>
    /// <returns>A new output object.</returns>
    public TDst Predict(TSrc example)
    {
        TDst prediction = new();
        Predict(example, ref prediction);
        return prediction;
    }

    /// <summary>Predicts for <paramref name="example"/> into <paramref name="prediction"/>.</summary>
    /// <param name="example">The input.</param>
    /// <param name="prediction">The output object to fill; created when null.</param>
    public void Predict(TSrc example, ref TDst prediction)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(example);
        prediction ??= new TDst();
        _source.Current = example;
        try
        {
            using var cursor = _output.GetRowCursor(_reader.Columns);
            if (!cursor.MoveNext())
            {
                throw new InvalidOperationException("The model produced no row for the example.");
            }

            _reader.CreateFiller(cursor)(prediction);
        }
        finally
        {
            _source.Current = null;
        }
    }

    /// <summary>Releases the engine (not the model).</summary>
    public void Dispose() => _disposed = true;

    private sealed class SingleItem : IEnumerable<TSrc>, IReadOnlyCollection<TSrc>
    {
        public TSrc? Current { get; set; }

        public int Count => 1;

        public IEnumerator<TSrc> GetEnumerator()
        {
            yield return Current ?? throw new InvalidOperationException("No example is being predicted.");
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
