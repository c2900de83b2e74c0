namespace Microsoft.ML.Data;

/// <summary>A sequence of estimators fitted one after the other, each on the output of the previous ones.</summary>
/// <typeparam name="TLastTransformer">The transformer type of the last estimator.</typeparam>
public sealed class EstimatorChain<TLastTransformer> : IEstimator<TransformerChain<TLastTransformer>>, IEstimatorChainAppendable
    where TLastTransformer : class, ITransformer
{
    private readonly IEstimator<ITransformer>[] _estimators;
    private readonly TransformerScope[] _scopes;
    private readonly bool[] _cacheAfter;

    /// <summary>Creates an empty chain.</summary>
    public EstimatorChain()
        : this([], [], [])
    {
    }

    private EstimatorChain(IEstimator<ITransformer>[] estimators, TransformerScope[] scopes, bool[] cacheAfter)
    {
        _estimators = estimators;
        _scopes = scopes;
        _cacheAfter = cacheAfter;
        LastEstimator = estimators.Length == 0 ? null! : (IEstimator<TLastTransformer>)estimators[^1];
    }

    /// <summary>The last estimator of the chain.</summary>
    public IEstimator<TLastTransformer> LastEstimator { get; }

    /// <summary>A new chain made of this one followed by <paramref name="estimator"/>.</summary>
    /// <typeparam name="TNewTrans">The transformer type of the appended estimator.</typeparam>
    /// <param name="estimator">The estimator to append.</param>
    /// <param name="scope">When its transformer applies.</param>
    /// <returns>The longer chain.</returns>
    public EstimatorChain<TNewTrans> Append<TNewTrans>(IEstimator<TNewTrans> estimator, TransformerScope scope = TransformerScope.Everything)
        where TNewTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(estimator);
        return new EstimatorChain<TNewTrans>([.. _estimators, estimator], [.. _scopes, scope], [.. _cacheAfter, false]);
    }

    EstimatorChain<TTrans> IEstimatorChainAppendable.AppendTo<TTrans>(IEstimator<TTrans> estimator, TransformerScope scope) =>
        Append(estimator, scope);

    /// <summary>Caches the data in memory after the current last estimator while fitting the rest of the chain.</summary>
    /// <param name="env">The context (unused; kept for source compatibility).</param>
    /// <returns>The chain with a cache checkpoint.</returns>
    public EstimatorChain<TLastTransformer> AppendCacheCheckpoint(MLContext env)
    {
        if (_estimators.Length == 0)
        {
            return this;
        }

        var cacheAfter = (bool[])_cacheAfter.Clone();
        cacheAfter[^1] = true;
        return new EstimatorChain<TLastTransformer>(_estimators, _scopes, cacheAfter);
    }

    /// <inheritdoc/>
    public TransformerChain<TLastTransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var data = input;
        var transformers = new ITransformer[_estimators.Length];
        for (int i = 0; i < _estimators.Length; i++)
        {
            transformers[i] = _estimators[i].Fit(data);
            if (i < _estimators.Length - 1)
            {
                data = transformers[i].Transform(data);
                if (_cacheAfter[i])
                {
                    data = new Internal.CacheDataView(data);
                }
            }
        }

        return new TransformerChain<TLastTransformer>(transformers, _scopes);
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var shape = inputSchema;
        foreach (var estimator in _estimators)
        {
            shape = estimator.GetOutputSchema(shape);
        }

        return shape;
    }
}
