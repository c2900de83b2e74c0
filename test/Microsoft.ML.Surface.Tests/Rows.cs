using Microsoft.ML.Data;

namespace Microsoft.ML.Surface.Tests;

public class TextRow
{
    public string Text = "";
    public float Value;
}

public class KeyedRow
{
    [KeyType(3)]
    public uint Label;

    [VectorType(3)]
    public float[] Score = [];

    [KeyType(3)]
    public uint PredictedLabel;
}

public class FeatureRow
{
    public string Label = "";

    [VectorType(2)]
    public float[] Features = [];
}

public class TsvRow
{
    [LoadColumn(0)]
    public float Number;

    [LoadColumn(1)]
    public string Name = "";

    [LoadColumn(2, 3)]
    public float[] Vector = [];

    [LoadColumn(4)]
    [ColumnName("Flag")]
    public bool IsSet;

    [LoadColumn(5)]
    [KeyType(10)]
    public uint Key;

    [LoadColumn(6)]
    public int Count;
}
