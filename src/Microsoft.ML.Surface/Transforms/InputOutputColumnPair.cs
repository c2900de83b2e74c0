namespace Microsoft.ML;

/// <summary>An output column name and the input column it is computed from.</summary>
public sealed class InputOutputColumnPair
{
    /// <summary>Pairs <paramref name="outputColumnName"/> with <paramref name="inputColumnName"/> (the same name when null).</summary>
    /// <param name="outputColumnName">The output column name.</param>
    /// <param name="inputColumnName">The input column name; the output name when <see langword="null"/>.</param>
    public InputOutputColumnPair(string outputColumnName, string? inputColumnName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName ?? outputColumnName;
    }

    /// <summary>The output column name.</summary>
    public string OutputColumnName { get; }

    /// <summary>The input column name.</summary>
    public string InputColumnName { get; }
}
