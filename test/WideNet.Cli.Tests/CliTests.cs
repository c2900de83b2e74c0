using System.Text.Json;
using Microsoft.ML.WideNet.Training.Tests;
using WideNet.Cli;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace WideNet.Cli.Tests;

/// <summary>The command line end to end: train → report → evaluate → predict, describe, and exit codes for bad usage
/// and bad input.</summary>
public class CliTests
{
    internal static (int code, string stdout, string stderr) Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o);
        Console.SetError(e);
        try { return (Cli.Run(args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    /// <summary>Three classes of 8×8 grey images that differ in brightness pattern, one subfolder per class.</summary>
    internal static string ImageFolder(string root, int perClass)
    {
        for (var c = 0; c < 3; c++)
        {
            var dir = Directory.CreateDirectory(Path.Combine(root, $"class{c}")).FullName;
            for (var i = 0; i < perClass; i++)
            {
                var px = Enumerable.Range(0, 64).Select(p => (byte)(c switch { 0 => p % 8 * 30, 1 => p / 8 * 30, _ => 255 - p * 3 } + i % 5)).ToArray();
                File.WriteAllBytes(Path.Combine(dir, $"{i:D3}.png"), TestPng.Encode(px, 8, 8, 1));
            }
        }
        return root;
    }

    [Fact]
    public void DescribePrintsTheLayersAndParametersLast()
    {
        var (code, stdout, _) = Run("describe", "--arch", "widenet", "--preset", "base", "--task", "image", "--image-size", "224", "--patch", "16", "--classes", "1000");
        Assert.Equal(0, code);
        var last = stdout.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("parameters: ", last);
        var n = long.Parse(last["parameters: ".Length..]);
        Assert.InRange(n, 29_000_000 * 0.97, 29_000_000 * 1.03);   // WideNet-B: about 29M
        Assert.Contains("TopKMoe", stdout);
        Assert.Contains("active parameters per token", stdout);
    }

    [Fact]
    public void TrainWritesModelAndReportThenEvaluateAndPredictUseIt()
    {
        var root = Directory.CreateTempSubdirectory("widenet-cli").FullName;
        var data = ImageFolder(Path.Combine(root, "data"), 12);
        var model = Path.Combine(root, "model.zip");
        var report = Path.Combine(root, "report");
        var (code, stdout, stderr) = Run("train", "--task", "image", "--data", data, "--test-data", data, "--epochs", "2", "--batch-size", "8",
                                         "--out", model, "--report", report);
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(model));
        foreach (var f in new[] { "index.html", "curves.svg", "confusion.svg", "metrics.json" }) Assert.True(File.Exists(Path.Combine(report, f)), f);
        Assert.Matches(@"test accuracy: 0\.\d{4}\s*$", stdout);
        var html = File.ReadAllText(Path.Combine(report, "index.html"));
        Assert.Contains("curves.svg", html);
        Assert.Contains("confusion.svg", html);

        (code, stdout, _) = Run("evaluate", "--model", model, "--data", data, "--json");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(36, json.RootElement.GetProperty("examples").GetInt32());
        Assert.Equal(3, json.RootElement.GetProperty("confusion").GetArrayLength());
        Assert.InRange(json.RootElement.GetProperty("accuracy").GetDouble(), 0, 1);

        (code, stdout, _) = Run("evaluate", "--model", model, "--data", data);
        Assert.Equal(0, code);
        Assert.Contains("macro accuracy", stdout);
        Assert.Contains("class2", stdout);

        (code, stdout, _) = Run("predict", "--model", model, "--input", Path.Combine(data, "class1", "000.png"), "--top", "2");
        Assert.Equal(0, code);
        var line = stdout.Trim().Split('\n').Single();
        Assert.Matches(@"000\.png\tclass\d\tclass\d 0\.\d{3}  class\d 0\.\d{3}", line);

        (code, stdout, _) = Run("predict", "--model", model, "--input", Path.Combine(data, "class0"));
        Assert.Equal(0, code);
        Assert.Equal(12, stdout.Trim().Split('\n').Length);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void TextFromATsvTrainsAndPredictsALiteralText()
    {
        var root = Directory.CreateTempSubdirectory("widenet-cli-text").FullName;
        var tsv = Path.Combine(root, "train.tsv");
        var words = new[] { ("sports", "goal match team score"), ("food", "bread soup cheese salad"), ("tech", "kernel compiler linux code") };
        File.WriteAllLines(tsv, new[] { "Text\tLabel" }.Concat(Enumerable.Range(0, 60).Select(i =>
            $"{string.Join(' ', words[i % 3].Item2.Split(' ').OrderBy(w => (w.GetHashCode() ^ i) & 7))} {i}\t{words[i % 3].Item1}")));
        var model = Path.Combine(root, "text.zip");
        var (code, _, stderr) = Run("train", "--task", "text", "--data", tsv, "--epochs", "2", "--out", model);
        Assert.True(code == 0, stderr);
        var (pcode, stdout, _) = Run("predict", "--model", model, "--input", "soup and cheese");
        Assert.Equal(0, pcode);
        Assert.Matches(@"^soup and cheese\t(sports|food|tech)\t", stdout.Trim());
        // Classes are keyed alphabetically, not in order of first appearance (sports, food, tech).
        var (xcode, xout, _) = Run("export", "--model", model, "--onnx", Path.Combine(root, "text.onnx"), "--json");
        Assert.Equal(0, xcode);
        Assert.Equal("[\"food\",\"sports\",\"tech\"]", JsonDocument.Parse(xout.Trim()).RootElement.GetProperty("class_names").GetRawText());
        var (ecode, _, err) = Run("evaluate", "--model", model, "--data", tsv, "--label-column", "Category");
        Assert.Equal(2, ecode);
        Assert.Contains("'Category'", err);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void SetGivesAnyOptionOfTheTrainer()
    {
        var root = Directory.CreateTempSubdirectory("widenet-cli-set").FullName;
        try
        {
            var data = ImageFolder(Path.Combine(root, "data"), 6);
            var model = Path.Combine(root, "m.zip");
            var (code, _, stderr) = Run("train", "--task", "image", "--data", data, "--epochs", "1", "--out", model,
                                        "--set", "NumLayers=1", "--set", "emadecay=0.9", "--set", "RandomCrop=false", "--set", "Optimizer=Lamb", "--set", "Dropout=null");
            Assert.True(code == 0, stderr);
            var (xcode, xout, _) = Run("export", "--model", model, "--onnx", Path.Combine(root, "m.onnx"));
            Assert.Equal(0, xcode);
            Assert.Contains("1 blocks", xout);
            var (bad, _, err) = Run("train", "--task", "image", "--data", data, "--out", model, "--set", "Layers=2");
            Assert.Equal(2, bad);
            Assert.Contains("--set Layers: no such option", err);
            Assert.Contains("NumLayers", err);
            (bad, _, err) = Run("train", "--task", "image", "--data", data, "--out", model, "--set", "NumLayers=many");
            Assert.Equal(2, bad);
            Assert.Contains("not a valid Int32", err);
            (bad, _, err) = Run("train", "--task", "image", "--data", data, "--out", model, "--set", "Optimizer=Sgd");
            Assert.Equal(2, bad);
            Assert.Contains("AdamW", err);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void NumberedClassesAreKeyedByValue()
    {
        var root = Directory.CreateTempSubdirectory("widenet-cli-keys").FullName;
        var tsv = Path.Combine(root, "train.tsv");
        var labels = new[] { "10", "2", "1" };
        File.WriteAllLines(tsv, new[] { "Text\tLabel" }.Concat(Enumerable.Range(0, 30).Select(i => $"text number {i % 3} {i}\t{labels[i % 3]}")));
        var model = Path.Combine(root, "m.zip");
        Assert.Equal(0, Run("train", "--task", "text", "--data", tsv, "--epochs", "1", "--out", model).code);
        var (code, stdout, _) = Run("export", "--model", model, "--onnx", Path.Combine(root, "m.onnx"), "--json");
        Assert.Equal(0, code);
        Assert.Equal("[\"1\",\"2\",\"10\"]", JsonDocument.Parse(stdout.Trim()).RootElement.GetProperty("class_names").GetRawText());
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void BadUsageAndBadInputExitWithTwoAndNoStackTrace()
    {
        var (code, _, err) = Run("train", "--task", "image");
        Assert.Equal(2, code);
        Assert.Contains("--data", err);

        (code, _, err) = Run("train", "--task", "image", "--data", "/no/such/folder", "--out", "/tmp/x.zip");
        Assert.Equal(2, code);
        Assert.Contains("/no/such/folder", err);
        Assert.DoesNotContain("   at ", err);

        (code, _, err) = Run("train", "--task", "image", "--data", "/tmp", "--out", "/tmp/x.zip", "--arch", "gpt");
        Assert.Equal(2, code);
        Assert.Contains("--arch gpt", err);

        var root = Directory.CreateTempSubdirectory("widenet-cli-bad").FullName;
        var data = ImageFolder(Path.Combine(root, "data"), 4);
        File.WriteAllBytes(Path.Combine(data, "class1", "broken.png"), new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3 });
        (code, _, err) = Run("train", "--task", "image", "--data", data, "--epochs", "1", "--out", Path.Combine(root, "m.zip"));
        Assert.Equal(2, code);
        Assert.Contains("column 'Image'", err);
        Assert.Contains(Path.Combine(data, "class1", "broken.png"), err);

        (code, _, err) = Run("evaluate", "--model", Path.Combine(root, "missing.zip"), "--data", data);
        Assert.Equal(2, code);
        Assert.Contains("missing.zip", err);

        File.WriteAllText(Path.Combine(root, "damaged.zip"), "not a zip");
        (code, _, err) = Run("predict", "--model", Path.Combine(root, "damaged.zip"), "--input", data);
        Assert.Equal(2, code);
        Assert.Contains("damaged.zip", err);
        Directory.Delete(root, recursive: true);
    }
}
