using Microsoft.ML;
using Microsoft.ML.Data;

namespace WideNet.Samples;

/// <summary>An application that only uses a saved model: load the zip, create a prediction engine, predict. Run the
/// image-folder sample first (or pass another model and image).</summary>
public static class LoadModelAndPredict
{
    public class ImageInput
    {
        public string ImagePath = "";
        // The saved pipeline starts with MapValueToKey("Label"), which (as in ML.NET) needs the column to exist;
        // its value is not used for prediction.
        public string Label = "";
    }

    public class ImagePrediction
    {
        [ColumnName("PredictedLabel")] public uint LabelKey;
        public float[] Score = [];
    }

    public static void Run(string[] args)
    {
        var modelPath = args.Length > 0 ? args[0] : "artifacts/samples/image-model.zip";
        var folder = args.Length > 1 ? args[1] : "artifacts/samples/fashion-mnist-png";
        var mlContext = new MLContext();
        ITransformer model = mlContext.Model.Load(modelPath, out var inputSchema);

        // The class names travel with the model as the slot names of the Score column.
        var outputSchema = model.GetOutputSchema(inputSchema);
        VBuffer<ReadOnlyMemory<char>> names = default;
        outputSchema["Score"].GetSlotNames(ref names);
        var classes = names.DenseValues().Select(n => n.ToString()).ToArray();

        var engine = mlContext.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(model);
        foreach (var file in Directory.GetDirectories(folder).Select(d => Directory.GetFiles(d, "*.png").First()))
        {
            var p = engine.Predict(new ImageInput { ImagePath = file });
            Console.WriteLine($"{Path.GetFileName(Path.GetDirectoryName(file))}/{Path.GetFileName(file)} => {classes[p.LabelKey - 1]} ({p.Score.Max():P1})");
        }
        (model as IDisposable)?.Dispose();
    }
}
