namespace Microsoft.ML.Data;

/// <summary>When a transformer of a chain applies.</summary>
[Flags]
public enum TransformerScope
{
    /// <summary>Never.</summary>
    None = 0,

    /// <summary>On training data.</summary>
    Training = 1 << 0,

    /// <summary>On test data.</summary>
    Testing = 1 << 1,

    /// <summary>When scoring.</summary>
    Scoring = 1 << 2,

    /// <summary>On training and test data.</summary>
    TrainTest = Training | Testing,

    /// <summary>Always.</summary>
    Everything = Training | Testing | Scoring,
}
