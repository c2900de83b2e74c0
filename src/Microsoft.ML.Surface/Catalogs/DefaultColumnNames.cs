namespace Microsoft.ML.Data;

/// <summary>The column names pipelines use by default.</summary>
public static class DefaultColumnNames
{
    /// <summary>The features column.</summary>
    public const string Features = "Features";

    /// <summary>The label column.</summary>
    public const string Label = "Label";

    /// <summary>The score column.</summary>
    public const string Score = "Score";

    /// <summary>The predicted label column.</summary>
    public const string PredictedLabel = "PredictedLabel";
}
