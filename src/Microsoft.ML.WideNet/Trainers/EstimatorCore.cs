using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Text;
using Microsoft.ML.WideNet.Training;

namespace Microsoft.ML.WideNet;

/// <summary>Rows read from a data view: one item per row with a label, and where it came from (for messages).</summary>
internal sealed record LabeledRows<T>(List<T> Items, List<int> Labels, List<long> RowNumbers, int SkippedMissingLabels)
{
    public LabeledRows<T> Subset(IReadOnlyList<int> indices) =>
        new(indices.Select(i => Items[i]).ToList(), indices.Select(i => Labels[i]).ToList(), indices.Select(i => RowNumbers[i]).ToList(), 0);
}

/// <summary>The parts of <c>Fit</c> both estimators share: reading labelled rows, the validation split, the training run.</summary>
internal static class EstimatorCore
{
    /// <summary>Reads every row with a label: <paramref name="getter"/> copies the row's input. Rows with a missing key
    /// are skipped (and counted); a key beyond the class count is an error.</summary>
    public static LabeledRows<T> Read<T>(IDataView data, LabelInfo label, IEnumerable<DataViewSchema.Column> inputs,
                                         Func<DataViewRow, Func<T>> getter, string dataName)
    {
        var (items, labels, rows) = (new List<T>(), new List<int>(), new List<long>());
        var skipped = Stream(data, label, inputs, getter, dataName, (item, y, row) => { items.Add(item); labels.Add(y); rows.Add(row); });
        return new LabeledRows<T>(items, labels, rows, skipped);
    }

    /// <summary>Hands every row with a label to <paramref name="onRow"/> (item, 0-based label, 1-based row number) as the
    /// cursor reaches it, holding none; returns how many rows had a missing key.</summary>
    public static int Stream<T>(IDataView data, LabelInfo label, IEnumerable<DataViewSchema.Column> inputs,
                                Func<DataViewRow, Func<T>> getter, string dataName, Action<T, int, long> onRow)
    {
        var labelCol = Columns.Find(data.Schema, label.Name, "label");
        var skipped = 0;
        using var cursor = data.GetRowCursor(inputs.Append(labelCol).ToArray());
        var key = Columns.KeyGetter(cursor, labelCol);
        var input = getter(cursor);
        long row = 0;
        while (cursor.MoveNext())
        {
            row++;
            var y = key();
            if (y < 0) { skipped++; continue; }
            if (y >= label.ClassCount)
                throw new InvalidDataException($"{dataName}, row {row}: label key {y + 1} is outside the {label.ClassCount} classes of column '{label.Name}'");
            onRow(input(), y, row);
        }
        return skipped;
    }

    /// <summary>Checks that the training rows can train a classifier.</summary>
    public static void CheckTrainingRows<T>(LabeledRows<T> rows, LabelInfo label)
    {
        if (rows.Labels.Count == 0)
            throw new InvalidOperationException(rows.SkippedMissingLabels > 0
                ? $"the training data has no rows with a label: all {rows.SkippedMissingLabels} rows have a missing key in column '{label.Name}'"
                : "the training data is empty (0 rows)");
        var distinct = rows.Labels.Distinct().ToArray();
        if (distinct.Length < 2)
            throw new InvalidOperationException($"the training data has a single class ('{label.ClassNames[distinct[0]]}' in column '{label.Name}', " +
                                                $"{rows.Labels.Count} rows): a classifier needs at least two");
    }

    /// <summary>Validation rows: the given set, or a seeded stratified share of the training rows.</summary>
    public static (LabeledRows<T> train, LabeledRows<T>? validation) Split<T>(
        LabeledRows<T> rows, IDataView? validationSet, double fraction, int seed, LabelInfo label,
        Func<IDataView, LabeledRows<T>> readValidation, Action<string> log)
    {
        if (validationSet is not null)
        {
            var vLabel = Columns.Label(validationSet.Schema, label.Name);
            if (vLabel.ClassCount != label.ClassCount)
                throw new ArgumentException($"the validation set's label column '{label.Name}' has {vLabel.ClassCount} classes, the training data {label.ClassCount}: " +
                                            "fit one MapValueToKey on the training data and apply it to both");
            var v = readValidation(validationSet);
            return (rows, v.Items.Count == 0 ? null : v);
        }
        return SplitIndices(rows.Labels, fraction, seed, log) is var (train, test) ? (rows.Subset(train), rows.Subset(test)) : (rows, null);
    }

    /// <summary>The seeded stratified split of <paramref name="labels"/>' positions (null: no validation share).</summary>
    public static (List<int> train, List<int> validation)? SplitIndices(IReadOnlyList<int> labels, double fraction, int seed, Action<string> log)
    {
        if (fraction <= 0 || labels.Count < 10) return null;
        var (train, test) = StratifiedSplit.Split(Enumerable.Range(0, labels.Count).ToArray(), i => labels[i].ToString(), fraction, seed);
        if (test.Count == 0 || train.Count == 0) return null;
        log($"holding out {test.Count} of {labels.Count} rows for validation (ValidationFraction {fraction:G3})");
        return (train.ToList(), test.ToList());
    }

    /// <summary>Runs the training loop, logging through the host's channel (so <c>MLContext.Log</c> shows it). Stops
    /// between steps when the options' token is cancelled, or when the environment is (<c>MLContext.CancelExecution</c>,
    /// as AutoML ends a trial), then with ML.NET's own exception.</summary>
    public static TrainingResult Train(IHost host, IChannel ch, WideNetTrainerOptionsBase o, int seed, IClassifier model,
                                       IBatchSource train, IBatchSource? validation)
    {
        var (total, active) = VisionPresets.CountParameters(model);
        Log(ch, $"{total:N0} parameters ({active:N0} active per token), {train.Count} training rows" +
                  (validation is null ? ", no validation" : $", {validation.Count} validation rows"));
        if (!o.RouterNoise)
            foreach (var (_, m) in model.Module.named_modules())
                if (m is Microsoft.ML.WideNet.Moe.TopKMoe moe) moe.NoiseStd = 0;
        var trainerOptions = o.ToTrainerOptions(seed, o.CheckpointDirectory, train.Count);
        if (o.MaxEpochs is null && trainerOptions.Epochs > 10)
            Log(ch, $"MaxEpochs automatic: {trainerOptions.Epochs} epochs for {train.Count} rows (at least {(o.IsImageTask ? WideNetTrainerOptionsBase.AutomaticMinimumImageSteps : WideNetTrainerOptionsBase.AutomaticMinimumSteps)} steps), early-stopping patience {trainerOptions.EarlyStoppingPatience}");
        if (validation is null) trainerOptions.EarlyStoppingPatience = 0;
        return WithCancellation(host, o.CancellationToken,
            token => new Trainer(trainerOptions).Fit(model, train, validation, o.Progress, m => Log(ch, m), token));
    }

    /// <summary>Runs <paramref name="work"/> with a token cancelled by <paramref name="token"/> or by the environment.</summary>
    public static T WithCancellation<T>(IHost host, CancellationToken token, Func<CancellationToken, T> work)
    {
        MLNetBridge.CheckAlive(host);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token);
        using var poll = new Timer(_ => { if (MLNetBridge.IsCanceled(host)) linked.Cancel(); }, null, 50, 50);
        try { return work(linked.Token); }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            MLNetBridge.CheckAlive(host);   // the environment was cancelled: ML.NET's exception
            throw;
        }
    }

    /// <summary>One informational message on the Fit's channel.</summary>
    public static void Log(IChannel ch, string message) => ch.Info(MessageSensitivity.None, message);
}
