using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Builds pipelines with <c>Append</c>.</summary>
public static class LearningPipelineExtensions
{
    /// <summary>Chains <paramref name="estimator"/> after <paramref name="start"/>.</summary>
    /// <typeparam name="TTrans">The transformer type of <paramref name="estimator"/>.</typeparam>
    /// <param name="start">The first estimator.</param>
    /// <param name="estimator">The estimator to append.</param>
    /// <param name="scope">When the appended transformer applies.</param>
    /// <returns>The chain.</returns>
    public static EstimatorChain<TTrans> Append<TTrans>(this IEstimator<ITransformer> start, IEstimator<TTrans> estimator, TransformerScope scope = TransformerScope.Everything)
        where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        if (start is IEstimatorChainAppendable chain)
        {
            return chain.AppendTo(estimator, scope);
        }

        return new EstimatorChain<ITransformer>().Append(start).Append(estimator, scope);
    }

    /// <summary>Caches the data in memory after <paramref name="start"/> while fitting what follows.</summary>
    /// <typeparam name="TTrans">The transformer type of <paramref name="start"/>.</typeparam>
    /// <param name="start">The estimator.</param>
    /// <param name="env">The context.</param>
    /// <returns>The chain with a cache checkpoint.</returns>
    public static EstimatorChain<TTrans> AppendCacheCheckpoint<TTrans>(this IEstimator<TTrans> start, MLContext env)
        where TTrans : class, ITransformer =>
        new EstimatorChain<TTrans>().Append(start).AppendCacheCheckpoint(env);

    /// <summary>Chains <paramref name="transformer"/> after <paramref name="start"/>.</summary>
    /// <typeparam name="TTrans">The type of <paramref name="transformer"/>.</typeparam>
    /// <param name="start">The first transformer.</param>
    /// <param name="transformer">The transformer to append.</param>
    /// <returns>The chain.</returns>
    public static TransformerChain<TTrans> Append<TTrans>(this ITransformer start, TTrans transformer)
        where TTrans : class, ITransformer =>
        new TransformerChain<TTrans>(start, transformer);
}

/// <summary>Lets <see cref="LearningPipelineExtensions.Append{TTrans}(IEstimator{ITransformer}, IEstimator{TTrans}, TransformerScope)"/> extend a chain seen as a plain estimator.</summary>
internal interface IEstimatorChainAppendable
{
    EstimatorChain<TTrans> AppendTo<TTrans>(IEstimator<TTrans> estimator, TransformerScope scope)
        where TTrans : class, ITransformer;
}
