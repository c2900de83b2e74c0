using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.WideNet;

namespace WideNet.Samples;

/// <summary>Text classification from a TSV file with a header (Text, Label): the loader, MapValueToKey and the WideNet
/// text trainer, then evaluation and a prediction engine.</summary>
public static class TextClassificationFromTsv
{
    public class TextData
    {
        [LoadColumn(0)] public string Text = "";
        [LoadColumn(1)] public string Label = "";
    }

    public class TextPrediction
    {
        [ColumnName("PredictedLabel")] public string Category = "";
        public float[] Score = [];
    }

    /// <summary>Arguments: [TSV] [EPOCHS].</summary>
    public static void Run(string[] args)
    {
        // A TSV with a header; by default three Debian fortunes categories.
        var path = args.Length > 0 ? args[0] : SampleData.FortunesTsv("artifacts/samples/fortunes.tsv", "linux", "food", "startrek");
        var epochs = args.Length > 1 ? int.Parse(args[1]) : 8;
        var mlContext = new MLContext(seed: 0);
        mlContext.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Info && e.Source.StartsWith("WideNet")) Console.WriteLine(e.RawMessage); };

        IDataView data = mlContext.Data.LoadFromTextFile<TextData>(path, separatorChar: '\t', hasHeader: true);
        var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.MulticlassClassification.Trainers.WideNet(new WideNetTextClassificationTrainer.Options
            {
                LabelColumnName = "Label",
                Sentence1ColumnName = "Text",
                MaxSequenceLength = 64,
                VocabularySize = 2000,
                MaxEpochs = epochs,
            }))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

        var model = pipeline.Fit(split.TrainSet);
        var metrics = mlContext.MulticlassClassification.Evaluate(
            ((IEnumerable<ITransformer>)model).Take(2).Aggregate(split.TestSet, (view, t) => t.Transform(view)));
        Console.WriteLine($"MicroAccuracy: {metrics.MicroAccuracy:F4}, LogLoss: {metrics.LogLoss:F4}");

        var engine = mlContext.Model.CreatePredictionEngine<TextData, TextPrediction>(model);
        foreach (var text in new[] { "The kernel panicked after I recompiled it.", "Beam me up, Scotty.", "Cheese is milk's leap toward immortality." })
        {
            var p = engine.Predict(new TextData { Text = text });
            Console.WriteLine($"{text} => {p.Category} ({p.Score.Max():P0})");
        }
        Directory.CreateDirectory("artifacts/samples");
        mlContext.Model.Save(model, data.Schema, "artifacts/samples/text-model.zip");
        model.Dispose();
    }
}
