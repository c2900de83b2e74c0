namespace Microsoft.ML.WideNet.Training;

/// <summary>Classification metrics from predicted and true class indices.</summary>
public static class Metrics
{
    /// <summary>Fraction of positions where <paramref name="predicted"/> equals <paramref name="labels"/> (0 when empty).</summary>
    public static double Accuracy(IReadOnlyList<int> labels, IReadOnlyList<int> predicted)
    {
        if (labels.Count != predicted.Count) throw new ArgumentException($"{labels.Count} labels but {predicted.Count} predictions");
        if (labels.Count == 0) return 0;
        var c = 0;
        for (var i = 0; i < labels.Count; i++) if (labels[i] == predicted[i]) c++;
        return (double)c / labels.Count;
    }

    /// <summary>Counts [true class, predicted class] over <paramref name="numClasses"/> classes.</summary>
    public static long[,] ConfusionMatrix(IReadOnlyList<int> labels, IReadOnlyList<int> predicted, int numClasses)
    {
        if (labels.Count != predicted.Count) throw new ArgumentException($"{labels.Count} labels but {predicted.Count} predictions");
        var m = new long[numClasses, numClasses];
        for (var i = 0; i < labels.Count; i++)
        {
            if ((uint)labels[i] >= numClasses || (uint)predicted[i] >= numClasses)
                throw new ArgumentOutOfRangeException(nameof(labels), $"class index outside 0..{numClasses - 1} at position {i}");
            m[labels[i], predicted[i]]++;
        }
        return m;
    }

    /// <summary>Recall of each class (diagonal / row sum; 0 for classes without examples).</summary>
    public static double[] PerClassRecall(long[,] confusion)
    {
        var k = confusion.GetLength(0);
        var r = new double[k];
        for (var i = 0; i < k; i++)
        {
            long row = 0;
            for (var j = 0; j < k; j++) row += confusion[i, j];
            r[i] = row == 0 ? 0 : (double)confusion[i, i] / row;
        }
        return r;
    }

    /// <summary>Mean per-class recall (ML.NET's MacroAccuracy).</summary>
    public static double MacroAccuracy(long[,] confusion)
    {
        var k = confusion.GetLength(0);
        var present = Enumerable.Range(0, k).Where(i => Enumerable.Range(0, k).Any(j => confusion[i, j] > 0)).ToArray();
        if (present.Length == 0) return 0;
        var recall = PerClassRecall(confusion);
        return present.Average(i => recall[i]);
    }
}
