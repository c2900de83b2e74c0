using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Data;

/// <summary>
/// Computes <see cref="MulticlassClassificationMetrics"/> in one pass over scored data. The predicted class is the
/// highest score (the first on ties); rows whose label is missing (key 0) are skipped.
/// </summary>
internal sealed class MulticlassEvaluator(string labelColumnName, string scoreColumnName, string predictedLabelColumnName, int topK)
{
    private const double Epsilon = 1e-15;

    public MulticlassClassificationMetrics Evaluate(IDataView data)
    {
        var label = SchemaUtils.GetInput(data.Schema, labelColumnName, "label");
        var score = SchemaUtils.GetInput(data.Schema, scoreColumnName, "score");
        if (score.Type is not VectorDataViewType { ItemType: NumberDataViewType { RawType: var raw } } scoreType || raw != typeof(float))
        {
            throw new ArgumentException($"The score column '{scoreColumnName}' must be a vector of Single, not {score.Type}.");
        }

        if (data.Schema.GetColumnOrNull(predictedLabelColumnName) is null)
        {
            throw new ArgumentOutOfRangeException(nameof(data), $"The predicted label column '{predictedLabelColumnName}' was not found.");
        }

        int classCount = label.Type is KeyDataViewType key ? (int)key.Count : scoreType.Size;
        if (classCount <= 0)
        {
            throw new ArgumentException($"The label column '{labelColumnName}' must be a key column (use MapValueToKey), not {label.Type}.");
        }

        var counts = Enumerable.Range(0, classCount).Select(_ => new double[classCount]).ToArray();
        var classLogLoss = new double[classCount];
        var topKHits = new double[Math.Max(topK, 0)];
        double totalLogLoss = 0;
        long rows = 0;
        long correct = 0;

        using (var cursor = data.GetRowCursor([label, score]))
        {
            var labelGetter = LabelGetter(cursor, label);
            var scoreGetter = cursor.GetGetter<VBuffer<float>>(score);
            VBuffer<float> scores = default;
            var dense = new float[classCount];
            while (cursor.MoveNext())
            {
                int truth = labelGetter();
                if (truth < 0 || truth >= classCount)
                {
                    continue;
                }

                scoreGetter(ref scores);
                if (scores.Length != classCount)
                {
                    throw new InvalidOperationException($"Row {cursor.Position}: the score vector has {scores.Length} values but the label has {classCount} classes.");
                }

                scores.CopyTo(dense);
                int predicted = ArgMax(dense);
                counts[truth][predicted]++;
                correct += predicted == truth ? 1 : 0;
                double p = dense[truth];
                double logLoss = p >= Epsilon ? -Math.Log(p) : -Math.Log(Epsilon);
                totalLogLoss += logLoss;
                classLogLoss[truth] += logLoss;
                int rank = Rank(dense, truth);
                for (int k = rank; k < topKHits.Length; k++)
                {
                    topKHits[k]++;
                }

                rows++;
            }
        }

        var classRows = counts.Select(r => r.Sum()).ToArray();
        double priorLogLoss = 0;
        foreach (double n in classRows.Where(n => n > 0))
        {
            double prior = n / rows;
            priorLogLoss -= prior * Math.Log(prior);
        }

        double meanLogLoss = rows > 0 ? totalLogLoss / rows : 0;
        var present = Enumerable.Range(0, classCount).Where(i => classRows[i] > 0).ToArray();
        double macro = present.Length > 0 ? present.Average(i => counts[i][i] / classRows[i]) : 0;
        return new MulticlassClassificationMetrics(
            microAccuracy: rows > 0 ? (double)correct / rows : 0,
            macroAccuracy: macro,
            logLoss: meanLogLoss,
            logLossReduction: priorLogLoss > 0 ? (priorLogLoss - meanLogLoss) / priorLogLoss : 0,
            topKPredictionCount: topK,
            topKAccuracyForAllK: topK > 0 ? topKHits.Select(h => rows > 0 ? h / rows : 0).ToArray() : null,
            perClassLogLoss: Enumerable.Range(0, classCount).Select(i => classRows[i] > 0 ? classLogLoss[i] / classRows[i] : double.NaN).ToArray(),
            confusionMatrix: new ConfusionMatrix(counts, ClassNames(score, classCount)));
    }

    private static Func<int> LabelGetter(DataViewRow row, DataViewSchema.Column label)
    {
        switch (label.Type.RawType)
        {
            case var t when t == typeof(uint):
                var u4 = row.GetGetter<uint>(label);
                uint v4 = 0;
                return () => { u4(ref v4); return (int)v4 - 1; };
            case var t when t == typeof(ulong):
                var u8 = row.GetGetter<ulong>(label);
                ulong v8 = 0;
                return () => { u8(ref v8); return (int)v8 - 1; };
            case var t when t == typeof(ushort):
                var u2 = row.GetGetter<ushort>(label);
                ushort v2 = 0;
                return () => { u2(ref v2); return v2 - 1; };
            case var t when t == typeof(byte):
                var u1 = row.GetGetter<byte>(label);
                byte v1 = 0;
                return () => { u1(ref v1); return v1 - 1; };
            default:
                throw new ArgumentException($"The label column '{label.Name}' must be a key column, not {label.Type}.");
        }
    }

    private static int ArgMax(float[] scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>The number of classes ranked above the true class (higher score, or equal score and lower index).</summary>
    private static int Rank(float[] scores, int truth)
    {
        int rank = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            if (i != truth && (scores[i] > scores[truth] || (scores[i] == scores[truth] && i < truth)))
            {
                rank++;
            }
        }

        return rank;
    }

    private static string[] ClassNames(DataViewSchema.Column score, int classCount)
    {
        if (score.HasSlotNames())
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            score.GetSlotNames(ref names);
            if (names.Length == classCount)
            {
                return names.DenseValues().Select(n => n.ToString()).ToArray();
            }
        }

        return Enumerable.Range(0, classCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }
}
