namespace Microsoft.ML.WideNet.Models;

/// <summary>How a text encoder turns its token states into one vector for the classifier.</summary>
public enum TextPooling
{
    /// <summary>The first token's state ([CLS]), as BERT and ALBERT.</summary>
    First,
    /// <summary>The mean of the real tokens' states (padding left out).</summary>
    Mean,
}

/// <summary>Size and routing settings of a text encoder (WideNet text, dense Transformer, ALBERT-like).</summary>
public sealed record TextConfig
{
    /// <summary>Vocabulary size (token ids are in [0, VocabSize)).</summary>
    public int VocabSize { get; init; } = 8000;
    /// <summary>Longest sequence (position embeddings).</summary>
    public int MaxLength { get; init; } = 128;
    /// <summary>Factorised embedding size (ALBERT: 128); equal to <see cref="Dim"/> disables the factorisation.</summary>
    public int EmbeddingSize { get; init; } = 128;
    /// <summary>Number of classes.</summary>
    public int NumClasses { get; init; } = 2;
    /// <summary>Hidden size d.</summary>
    public int Dim { get; init; } = 768;
    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 12;
    /// <summary>Blocks.</summary>
    public int Depth { get; init; } = 12;
    /// <summary>FFN hidden size (per expert for MoE), 4·d in the WideNet paper.</summary>
    public int Hidden { get; init; } = 3072;
    /// <summary>Experts E (4, 8 or 16 in the paper).</summary>
    public int NumExperts { get; init; } = 4;
    /// <summary>Experts per token k.</summary>
    public int TopK { get; init; } = 2;
    /// <summary>Capacity factor in training.</summary>
    public double CapacityFactor { get; init; } = 1.2;
    /// <summary>Capacity factor in evaluation.</summary>
    public double EvalCapacityFactor { get; init; } = 2.0;
    /// <summary>Dropout on embeddings and inside FFNs.</summary>
    public double Dropout { get; init; } = 0.1;
    /// <summary>Weight λ of the load-balance loss.</summary>
    public double AuxLossWeight { get; init; } = 0.01;
    /// <summary>How token states are pooled before the tanh pooler and the classifier.</summary>
    public TextPooling Pooling { get; init; } = TextPooling.First;
    /// <summary>Hash buckets of token bigrams of the linear n-gram part beside the encoder (<see cref="NGramLogits"/>;
    /// 0 = none, the papers' encoder).</summary>
    public int NGramBuckets { get; init; }
    /// <summary>Whether the encoder also has the separately fitted TF-IDF n-gram classifier (<see cref="NGramClassifier"/>,
    /// over <see cref="NGramBuckets"/> bigram buckets) whose log-probabilities are averaged with the encoder's in evaluation.</summary>
    public bool NGramClassifier { get; init; }
    /// <summary>Seed of the parameter initialisation.</summary>
    public ulong Seed { get; init; } = 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public TextConfig Validate()
    {
        if (Dim % Heads != 0) throw new ArgumentException($"hidden size {Dim} is not divisible by {Heads} heads");
        if (TopK < 1 || TopK > NumExperts) throw new ArgumentException($"top-k {TopK} must be between 1 and the number of experts {NumExperts}");
        if (NumClasses < 2) throw new ArgumentException($"need at least 2 classes, got {NumClasses}");
        if (VocabSize < 2 || MaxLength < 1) throw new ArgumentException("vocabulary size and maximum length must be positive");
        return this;
    }
}
