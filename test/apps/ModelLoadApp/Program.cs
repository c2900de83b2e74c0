// ModelLoadApp MODEL.zip IMAGES.tsv IMAGE_FOLDER
// Loads a saved ML.NET model with mlContext.Model.Load (nothing here names a WideNet type: ML.NET finds the loader in
// the assembly the model file names) and prints, for every row of IMAGES.tsv (ImagePath<TAB>Label), the Score vector
// from Transform, then the Score vector from a PredictionEngine, as "transform|engine <row> <p1> <p2> ...".
// A model that cannot be loaded ends the process with exit code 3 and the exception's type and message.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: ModelLoadApp MODEL.zip IMAGES.tsv IMAGE_FOLDER");
    return 2;
}
var ml = new MLContext(seed: 0);
ITransformer model;
try { model = ml.Model.Load(args[0], out _); }
catch (Exception e)
{
    var inner = e;   // ML.NET calls loaders by reflection (nested for a chain): the loader's own exception is innermost
    while (inner is System.Reflection.TargetInvocationException { InnerException: { } i }) inner = i;
    Console.WriteLine($"load failed: {inner.GetType().Name}: {inner.Message}");
    return 3;
}
var data = ml.Data.LoadFromTextFile<Row>(args[1], hasHeader: true);
var scored = ml.Data.CreateEnumerable<Prediction>(model.Transform(data), reuseRowObject: false).ToList();
for (var r = 0; r < scored.Count; r++) Print("transform", r, scored[r].Score);
var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
var rows = ml.Data.CreateEnumerable<Row>(data, reuseRowObject: false).ToList();
for (var r = 0; r < rows.Count; r++) Print("engine", r, engine.Predict(rows[r]).Score);
(model as IDisposable)?.Dispose();
return 0;

static void Print(string kind, int row, float[] score) =>
    Console.WriteLine($"{kind} {row} " + string.Join(" ", score.Select(p => p.ToString("R", CultureInfo.InvariantCulture))));

public class Row
{
    [LoadColumn(0)] public string ImagePath = "";
    [LoadColumn(1)] public string Label = "";
}

public class Prediction
{
    [ColumnName("PredictedLabel")] public string Predicted = "";
    public float[] Score = [];
}
