using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.WideNet;

namespace WideNet.Cli;

/// <summary>`widenet export`: a saved model as an ONNX file for ONNX Runtime or ML.NET's ApplyOnnxModel.</summary>
internal static class ExportCommand
{
    internal static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model file (.zip) saved by train, tune or mlContext.Model.Save", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "ONNX file to write (replaced whole when it exists)", Required = true };
        var json = new Option<bool>("--json") { Description = "print what was written as one JSON object" };
        var cmd = new Command("export", "write a saved model as ONNX (opset 17): runs in ONNX Runtime and ApplyOnnxModel without LibTorch") { model, onnx, json };
        cmd.SetAction(r =>
        {
            var ml = new MLContext(seed: 0);
            var (loaded, classifier, task) = ModelCommands.Load(ml, r.GetValue(model)!);
            try
            {
                var path = r.GetValue(onnx)!;
                classifier.ExportToOnnx(path);
                var (inputs, expects) = classifier switch
                {
                    WideNetImageClassificationTransformer i => (new[] { $"pixels [N, {i.Channels}, {i.ImageSize}, {i.ImageSize}] float" },
                        $"0–255 pixels, planar {(i.Channels == 1 ? "grey (ExtractPixels with ColorBits.Red)" : "RGB (ExtractPixels' defaults)")}, already resized to {i.ImageSize}×{i.ImageSize}; normalisation is inside the graph"),
                    WideNetTextClassificationTransformer t => (new[] { "input_ids [N, L] int64", "attention_mask [N, L] int64" },
                        $"token ids from the tokenizer saved in the model (L ≤ {t.MaxSequenceLength}, [CLS] first, padding 0 with mask 0)"),
                    _ => throw new InvalidOperationException("unknown classifier"),
                };
                var output = $"probabilities [N, {classifier.ClassCount}] float";
                if (r.GetValue(json))
                    Console.WriteLine(MetricsJson.Serialize(new Dictionary<string, object>
                    {
                        ["onnx"] = Path.GetFullPath(path), ["bytes"] = new FileInfo(path).Length, ["task"] = task, ["architecture"] = classifier.Architecture.ToString(),
                        ["opset"] = 17, ["inputs"] = inputs, ["output"] = output, ["class_names"] = classifier.ClassNames,
                    }, "export", indented: false));
                else
                {
                    Console.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1024.0:N0} KiB, opset 17): {classifier.ModelDescription}");
                    Console.WriteLine($"  inputs:  {string.Join(", ", inputs)}");
                    Console.WriteLine($"           {expects}");
                    Console.WriteLine($"  output:  {output}, classes {string.Join(", ", classifier.ClassNames)}");
                    Console.WriteLine("  the batch is dynamic; MoE layers route over the whole batch, as the LibTorch model does");
                }
                return 0;
            }
            finally { (loaded as IDisposable)?.Dispose(); }
        });
        return cmd;
    }
}
