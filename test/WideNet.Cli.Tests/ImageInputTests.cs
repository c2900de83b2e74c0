using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Training.Tests;
using Microsoft.ML.WideNet.Vision;
using static WideNet.Cli.Tests.CliTests;

namespace WideNet.Cli.Tests;

/// <summary>Every form of image input for predict and evaluate, whatever form of pixels the model was trained on; class
/// names from the model; non-finite metrics in JSON; corrupt images named by their file.</summary>
public class ImageInputTests
{
    /// <summary>IDX images (and labels, when given) of 8×8 grey images whose pattern depends on the label.</summary>
    static string WriteIdx(string dir, string prefix, byte[] labels, bool withLabels = true)
    {
        Directory.CreateDirectory(dir);
        var images = new byte[16 + labels.Length * 64];
        BinaryPrimitives.WriteInt32BigEndian(images, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), labels.Length);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 8);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), 8);
        for (var i = 0; i < labels.Length; i++) Pattern(labels[i], i).CopyTo(images, 16 + i * 64);
        var path = Path.Combine(dir, $"{prefix}-images-idx3-ubyte");
        File.WriteAllBytes(path, images);
        if (withLabels)
        {
            var l = new byte[8 + labels.Length];
            BinaryPrimitives.WriteInt32BigEndian(l, 0x801);
            BinaryPrimitives.WriteInt32BigEndian(l.AsSpan(4), labels.Length);
            labels.CopyTo(l, 8);
            File.WriteAllBytes(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), l);
        }
        return path;
    }

    static byte[] Pattern(int c, int i) => Enumerable.Range(0, 64).Select(p => (byte)((p * (c + 1) * 7 + c * 25 + i % 3) % 256)).ToArray();

    static string[] Lines(string stdout) => stdout.Trim().Split('\n');

    sealed class PixelRow
    {
        [VectorType(64)] public float[] Pixels = [];
        public string Label = "";
    }

    [Fact]
    public void PredictReadsImageFilesFoldersTablesAndIdxWithAModelTrainedOnImages()
    {
        var root = Directory.CreateTempSubdirectory("widenet-cli-inputs").FullName;
        var data = ImageFolder(Path.Combine(root, "data"), 6);
        var model = Path.Combine(root, "model.zip");
        var (code, _, err) = Run("train", "--task", "image", "--data", data, "--epochs", "1", "--batch-size", "6", "--out", model);
        Assert.True(code == 0, err);

        // An image file by its extension, even with "idx" in its name.
        var single = Path.Combine(root, "scan-idx3.png");
        File.Copy(Path.Combine(data, "class0", "000.png"), single);
        (code, var stdout, err) = Run("predict", "--model", model, "--input", single);
        Assert.True(code == 0, err);
        Assert.Matches(@"^.*scan-idx3\.png\tclass\d\t", Lines(stdout).Single());

        // A flat folder (no labels needed; other files are skipped) and a folder of class subfolders.
        var flat = Directory.CreateDirectory(Path.Combine(root, "flat")).FullName;
        for (var i = 0; i < 3; i++) File.Copy(Path.Combine(data, $"class{i}", "001.png"), Path.Combine(flat, $"{i}.png"));
        File.WriteAllText(Path.Combine(flat, "notes.txt"), "not an image");
        (code, stdout, err) = Run("predict", "--model", model, "--input", flat);
        Assert.True(code == 0, err);
        Assert.Equal(3, Lines(stdout).Length);
        (code, stdout, err) = Run("predict", "--model", model, "--input", data);
        Assert.True(code == 0, err);
        Assert.Equal(18, Lines(stdout).Length);

        // A TSV of paths relative to it, and a CSV with another column name.
        var tsv = Path.Combine(root, "list.tsv");
        File.WriteAllLines(tsv, new[] { "ImagePath", "data/class1/000.png", "data/class2/003.png" });
        (code, stdout, err) = Run("predict", "--model", model, "--input", tsv);
        Assert.True(code == 0, err);
        Assert.Collection(Lines(stdout), l => Assert.Contains("class1/000.png\tclass", l), l => Assert.Contains("class2/003.png\tclass", l));
        var csv = Path.Combine(root, "list.csv");
        File.WriteAllLines(csv, new[] { "Id,File", $"7,{Path.Combine(data, "class0", "002.png")}" });
        (code, stdout, err) = Run("predict", "--model", model, "--input", csv, "--image-column", "File");
        Assert.True(code == 0, err);
        Assert.Single(Lines(stdout));

        // IDX pixels go to this model as PNG bytes.
        var idx = WriteIdx(Path.Combine(root, "idx"), "t10k", new byte[] { 0, 1, 2, 1, 0 }, withLabels: false);
        (code, stdout, err) = Run("predict", "--model", model, "--input", idx, "--top", "1");
        Assert.True(code == 0, err);
        Assert.Equal(5, Lines(stdout).Length);
        Assert.All(Lines(stdout), l => Assert.Matches(@"^#\d\tclass\d\tclass\d 0\.\d{3}$", l));

        // IDX labels are digits: they name none of this model's classes.
        var labelled = WriteIdx(Path.Combine(root, "idx-labelled"), "t10k", new byte[] { 0, 1, 2 });
        (code, _, err) = Run("evaluate", "--model", model, "--data", labelled);
        Assert.Equal(2, code);
        Assert.Contains("neither digits nor the Fashion-MNIST classes", err);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void APixelModelLikeTheDemosPredictsPngsAndIdxAndEvaluatesIdxByItsClassNames()
    {
        var root = Directory.CreateTempSubdirectory("widenet-cli-pixels").FullName;
        // Like `widenet demo`: MapValueToKey("Label") then the classifier on 8×8 pixel vectors with Fashion-MNIST names.
        var ml = new MLContext(0);
        var rows = Enumerable.Range(0, 40).Select(i => new PixelRow
        {
            Pixels = Array.ConvertAll(Pattern(i % 10, i), b => (float)b), Label = IdxReader.FashionMnistClasses[i % 10],
        }).ToList();
        var train = ml.Data.LoadFromEnumerable(rows);
        var options = new WideNetImageClassificationTrainer.Options
        {
            ImageColumnName = "Pixels", ImageWidth = 8, ImageHeight = 8, Channels = 1, MaxEpochs = 1, BatchSize = 10, Seed = 0, ValidationFraction = 0,
        };
        var demo = Path.Combine(root, "demo.zip");
        using (var fitted = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.WideNet(options)).Fit(train))
            ml.Model.Save(fitted, train.Schema, demo);

        var png = Path.Combine(root, "shirt.png");
        File.WriteAllBytes(png, TestPng.Encode(Pattern(6, 0), 8, 8, 1));
        var (code, stdout, err) = Run("predict", "--model", demo, "--input", png);
        Assert.True(code == 0, err);
        var predicted = Lines(stdout).Single().Split('\t')[1];
        Assert.Contains(predicted, IdxReader.FashionMnistClasses);
        var rgb = Path.Combine(root, "big.png");
        File.WriteAllBytes(rgb, TestPng.Gradient(20, 12));   // another size and colour: resized and made grey
        (code, _, err) = Run("predict", "--model", demo, "--input", rgb);
        Assert.True(code == 0, err);

        // IDX digits (the path says nothing of "fashion") name the model's Fashion-MNIST classes.
        var idx = WriteIdx(Path.Combine(root, "digits"), "t10k", Enumerable.Range(0, 10).Select(d => (byte)d).ToArray());
        (code, stdout, err) = Run("evaluate", "--model", demo, "--data", idx, "--json");
        Assert.True(code == 0, err);
        using (var json = JsonDocument.Parse(stdout))
        {
            Assert.Equal(10, json.RootElement.GetProperty("examples").GetInt32());
            Assert.Contains("Ankle boot", json.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        }
        (code, stdout, err) = Run("predict", "--model", demo, "--input", idx);
        Assert.True(code == 0, err);
        Assert.Equal(10, Lines(stdout).Length);

        // Trained by the CLI on IDX files: the classes are digits, and it too predicts a PNG and evaluates IDX.
        var digits = Path.Combine(root, "digits.zip");
        var trainIdx = WriteIdx(Path.Combine(root, "digits"), "train", Enumerable.Range(0, 30).Select(i => (byte)(i % 3)).ToArray());
        (code, _, err) = Run("train", "--task", "image", "--data", trainIdx, "--epochs", "1", "--batch-size", "6", "--out", digits);
        Assert.True(code == 0, err);
        (code, stdout, err) = Run("predict", "--model", digits, "--input", png);
        Assert.True(code == 0, err);
        Assert.Matches(@"shirt\.png\t[012]\t", Lines(stdout).Single());
        (code, stdout, err) = Run("evaluate", "--model", digits, "--data", WriteIdx(Path.Combine(root, "digits"), "t10k", new byte[] { 0, 1, 2, 2 }), "--json");
        Assert.True(code == 0, err);
        using (var json = JsonDocument.Parse(stdout))
            Assert.Equal(new[] { "0", "1", "2" }, json.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()).Order());
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void NonFiniteMetricsAreWrittenAsJsonNullWithAWarning()
    {
        var root = Directory.CreateTempSubdirectory("widenet-cli-nan").FullName;
        var data = ImageFolder(Path.Combine(root, "data"), 4);
        var model = Path.Combine(root, "nan.zip");
        var report = Path.Combine(root, "report");
        // A learning rate of 1e30 drives the weights to NaN: NaN scores, NaN log loss.
        var (code, _, err) = Run("train", "--task", "image", "--data", data, "--test-data", data, "--epochs", "1", "--batch-size", "4", "--lr", "1e30",
                                 "--out", model, "--report", report);
        Assert.True(code == 0, err);
        Assert.Contains("warning:", err);
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "metrics.json"))))
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("test").GetProperty("log_loss").ValueKind);

        (code, var stdout, err) = Run("evaluate", "--model", model, "--data", data, "--json");
        Assert.True(code == 0, err);
        Assert.Contains("non-finite", err);
        using (var json = JsonDocument.Parse(stdout))
        {
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("log_loss").ValueKind);
            Assert.Equal(12, json.RootElement.GetProperty("examples").GetInt32());
        }
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void ACorruptImageIsNamedByItsFileInTrainEvaluateAndPredict()
    {
        var root = Directory.CreateTempSubdirectory("widenet-cli-corrupt").FullName;
        var model = Path.Combine(root, "model.zip");
        var (code, _, err) = Run("train", "--task", "image", "--data", ImageFolder(Path.Combine(root, "good"), 4), "--epochs", "1", "--batch-size", "4", "--out", model);
        Assert.True(code == 0, err);

        var data = ImageFolder(Path.Combine(root, "data"), 4);
        var broken = Path.Combine(data, "class1", "002.png");
        var bytes = File.ReadAllBytes(broken);
        File.WriteAllBytes(broken, bytes[..(bytes.Length / 2)]);
        var tsv = Path.Combine(root, "list.tsv");
        File.WriteAllLines(tsv, new[] { "ImagePath", "data/class0/000.png", "data/class1/002.png" });
        foreach (var args in new[]
                 {
                     new[] { "train", "--task", "image", "--data", data, "--epochs", "1", "--batch-size", "4", "--out", Path.Combine(root, "m.zip") },
                     new[] { "evaluate", "--model", model, "--data", data },
                     new[] { "predict", "--model", model, "--input", data },
                     new[] { "predict", "--model", model, "--input", tsv },
                 })
        {
            (code, _, err) = Run(args);
            Assert.True(code == 2, $"{args[0]}: exit {code}: {err}");
            Assert.Contains(broken, err);
            Assert.Contains("truncated PNG", err);
            Assert.DoesNotContain("   at ", err);
        }
        File.WriteAllLines(tsv, new[] { "ImagePath", "data/class0/000.png", "data/class0/gone.png" });
        (code, _, err) = Run("predict", "--model", model, "--input", tsv);
        Assert.Equal(2, code);
        Assert.Contains($"{tsv}, row 2: no image file {Path.Combine(root, "data", "class0", "gone.png")}", err);
        Directory.Delete(root, recursive: true);
    }
}
