using System.Collections;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Data;

/// <summary>
/// A sequence of fitted transformers applied one after the other; the result of fitting an
/// <see cref="EstimatorChain{TLastTransformer}"/>. Disposing the chain disposes its disposable members.
/// </summary>
/// <typeparam name="TLastTransformer">The type of the last transformer.</typeparam>
public sealed class TransformerChain<TLastTransformer> : ITransformer, IEnumerable<ITransformer>, IDisposable
    where TLastTransformer : class, ITransformer
{
    internal const string LoaderName = "TransformerChain";
    private readonly ITransformer[] _transformers;
    private readonly TransformerScope[] _scopes;
    private bool _disposed;

    /// <summary>Creates a chain of <paramref name="transformers"/>, all applying everywhere.</summary>
    /// <param name="transformers">The transformers; the last must be a <typeparamref name="TLastTransformer"/>.</param>
    public TransformerChain(params ITransformer[] transformers)
        : this(transformers, transformers.Select(_ => TransformerScope.Everything))
    {
    }

    /// <summary>Creates a chain of <paramref name="transformers"/> with the given scopes.</summary>
    /// <param name="transformers">The transformers; the last must be a <typeparamref name="TLastTransformer"/>.</param>
    /// <param name="scopes">One scope per transformer.</param>
    public TransformerChain(IEnumerable<ITransformer> transformers, IEnumerable<TransformerScope> scopes)
    {
        _transformers = transformers.ToArray();
        _scopes = scopes.ToArray();
        if (_transformers.Length != _scopes.Length)
        {
            throw new ArgumentException("There must be one scope per transformer.", nameof(scopes));
        }

        if (_transformers.Length == 0)
        {
            LastTransformer = null!;
        }
        else
        {
            LastTransformer = _transformers[^1] as TLastTransformer
                ?? throw new ArgumentException($"The last transformer must be a {typeof(TLastTransformer).Name}.", nameof(transformers));
        }
    }

    /// <summary>The last transformer of the chain.</summary>
    public TLastTransformer LastTransformer { get; }

    /// <summary>A new chain made of this one followed by <paramref name="transformer"/>.</summary>
    /// <typeparam name="TNewLast">The type of the appended transformer.</typeparam>
    /// <param name="transformer">The transformer to append.</param>
    /// <param name="scope">When it applies.</param>
    /// <returns>The longer chain.</returns>
    public TransformerChain<TNewLast> Append<TNewLast>(TNewLast transformer, TransformerScope scope = TransformerScope.Everything)
        where TNewLast : class, ITransformer =>
        new(_transformers.Append(transformer), _scopes.Append(scope));

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        var schema = inputSchema;
        foreach (var transformer in Scoped(TransformerScope.Scoring))
        {
            schema = transformer.GetOutputSchema(schema);
        }

        return schema;
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var data = input;
        foreach (var transformer in Scoped(TransformerScope.Scoring))
        {
            data = transformer.Transform(data);
        }

        return data;
    }

    internal IEnumerable<ITransformer> Scoped(TransformerScope scope) =>
        _transformers.Where((_, i) => (_scopes[i] & scope) != 0);

    /// <inheritdoc/>
    public void Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.SetVersionInfo(LoaderName, 1);
        ctx.WriteJson("chain.json", new ChainInfo(_scopes.Select(s => (int)s).ToArray()));
        for (int i = 0; i < _transformers.Length; i++)
        {
            ctx.SaveModel(_transformers[i], EntryName(i));
        }
    }

    internal static ITransformer Load(ModelLoadContext ctx)
    {
        var info = ctx.ReadJson<ChainInfo>("chain.json");
        var transformers = new ITransformer[info.Scopes.Length];
        for (int i = 0; i < transformers.Length; i++)
        {
            transformers[i] = ctx.LoadModel(EntryName(i));
        }

        return new TransformerChain<ITransformer>(transformers, info.Scopes.Select(s => (TransformerScope)s));
    }

    private static string EntryName(int index) => $"Transformer_{index:D3}";

    /// <inheritdoc/>
    public IEnumerator<ITransformer> GetEnumerator() => ((IEnumerable<ITransformer>)_transformers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Disposes every member that is <see cref="IDisposable"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var transformer in _transformers)
        {
            (transformer as IDisposable)?.Dispose();
        }
    }

    private sealed record ChainInfo([property: JsonPropertyName("scopes")] int[] Scopes);
}
