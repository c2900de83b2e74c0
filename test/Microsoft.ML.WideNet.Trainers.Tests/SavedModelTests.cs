using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Training.Tests;
using Microsoft.ML.WideNet.Vision;
using Xunit.Abstractions;

namespace Microsoft.ML.WideNet.Trainers.Tests;

/// <summary>A pipeline written like ML.NET's image classification samples, trained once and saved; its scores on held-out
/// images, in-process, through Transform and PredictionEngine.</summary>
public sealed class SavedPipelineFixture : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("widenet-saved").FullName;
    public string ModelPath => Path.Combine(Folder, "model.zip");
    public string TestTsv => Path.Combine(Folder, "test.tsv");
    public List<float[]> TransformScores { get; }
    public List<float[]> EngineScores { get; }
    public List<string> Predicted { get; }

    public SavedPipelineFixture()
    {
        var (images, labels) = IdxReader.LoadFashionMnist(train: true);
        List<ImageRow> Write(string prefix, int start, int count) => Enumerable.Range(start, count).Select(i =>
        {
            var name = $"{prefix}{i:D5}.png";
            File.WriteAllBytes(Path.Combine(Folder, name), TestPng.Encode(images.Data.AsSpan(i * 784, 784).ToArray(), 28, 28, 1));
            return new ImageRow { ImagePath = name, Label = IdxReader.FashionMnistClasses[labels[i]] };
        }).ToList();
        var train = Write("train", 0, 300);
        var test = Write("test", 50_000, 40);
        File.WriteAllLines(TestTsv, test.Select(r => $"{r.ImagePath}\t{r.Label}").Prepend("ImagePath\tLabel"));

        var ml = new MLContext(seed: 0);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadRawImageBytes("Image", Folder, "ImagePath"))
            .Append(ml.MulticlassClassification.Trainers.WideNet(new WideNetImageClassificationTrainer.Options
            {
                MaxEpochs = 2, HiddenSize = 32, NumHeads = 2, NumLayers = 2, FeedForwardSize = 32, Seed = 0, BatchSize = 32,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var trainView = ml.Data.LoadFromEnumerable(train);
        using var model = pipeline.Fit(trainView);
        ml.Model.Save(model, trainView.Schema, ModelPath);
        var testView = ml.Data.LoadFromTextFile<ImageRow>(TestTsv, hasHeader: true);
        var scored = ml.Data.CreateEnumerable<ImagePrediction>(model.Transform(testView), reuseRowObject: false).ToList();
        TransformScores = scored.Select(p => p.Score).ToList();
        Predicted = scored.Select(p => p.Predicted).ToList();
        var engine = ml.Model.CreatePredictionEngine<ImageRow, ImagePrediction>(model);
        EngineScores = test.Select(r => engine.Predict(r).Score).ToList();
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

public class SavedModelTests(SavedPipelineFixture saved, ITestOutputHelper output) : IClassFixture<SavedPipelineFixture>
{
    static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "WideNet.MLNet.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    static (int exit, string stdout, string stderr) RunApp(params string[] args)
    {
        var config = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;   // bin/<Configuration>/net10.0
        var app = Path.Combine(RepoRoot(), "test", "apps", "ModelLoadApp", "bin", config, "net10.0", "ModelLoadApp.dll");
        Assert.True(File.Exists(app), $"{app} is not built");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(app);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(300_000), "the second app did not finish within 5 minutes");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void AnotherAppProcessLoadsTheZipAndReproducesEveryScore()
    {
        Assert.Equal(saved.TransformScores.Count, saved.EngineScores.Count);
        for (var i = 0; i < saved.TransformScores.Count; i++)
            for (var c = 0; c < 10; c++)                                           // PredictionEngine (batch of 1) = batched Transform
                Assert.True(Math.Abs(saved.TransformScores[i][c] - saved.EngineScores[i][c]) <= 1e-6, $"row {i}: engine {saved.EngineScores[i][c]}, transform {saved.TransformScores[i][c]}");

        var (exit, stdout, stderr) = RunApp(saved.ModelPath, saved.TestTsv, saved.Folder);
        Assert.True(exit == 0, $"exit {exit}: {stdout}\n{stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var (kind, expected) in new[] { ("transform", saved.TransformScores), ("engine", saved.EngineScores) })
        {
            var rows = lines.Where(l => l.StartsWith(kind + " ", StringComparison.Ordinal)).ToList();
            Assert.Equal(expected.Count, rows.Count);
            foreach (var line in rows)
            {
                var parts = line.Split(' ');
                var r = int.Parse(parts[1], CultureInfo.InvariantCulture);
                var scores = parts.Skip(2).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                Assert.Equal(10, scores.Length);
                for (var c = 0; c < 10; c++)
                    Assert.True(Math.Abs(scores[c] - expected[r][c]) <= 1e-5, $"{kind} row {r} class {c}: {scores[c]} vs {expected[r][c]}");
            }
        }

        // A damaged copy is rejected in that process too, with a message naming the damaged file of our entry.
        var damaged = Path.Combine(saved.Folder, "damaged-app.zip");
        var bytes = File.ReadAllBytes(saved.ModelPath);
        var weights = FindStored(bytes, "weights.safetensors");
        bytes[weights + 100] ^= 0xFF;
        File.WriteAllBytes(damaged, bytes);
        var (exit2, stdout2, _) = RunApp(damaged, saved.TestTsv, saved.Folder);
        Assert.Equal(3, exit2);
        Assert.Contains("load failed: InvalidDataException", stdout2);
    }

    /// <summary>The offset of the data of the zip entry whose name ends with <paramref name="suffix"/> (local header).</summary>
    static int FindStored(byte[] zip, string suffix)
    {
        var name = System.Text.Encoding.ASCII.GetBytes(suffix);
        for (var i = 0; i + 30 < zip.Length; i++)
        {
            if (zip[i] != 0x50 || zip[i + 1] != 0x4B || zip[i + 2] != 3 || zip[i + 3] != 4) continue;
            int nameLength = BitConverter.ToUInt16(zip, i + 26), extra = BitConverter.ToUInt16(zip, i + 28);
            if (zip.AsSpan(i + 30, nameLength).EndsWith(name)) return i + 30 + nameLength + extra;
        }
        throw new InvalidOperationException($"no entry {suffix}");
    }

    [Fact]
    public void DamagedCopiesAreRejectedNamingTheFileOrScoreExactlyAsTheIntactModel()
    {
        var intact = File.ReadAllBytes(saved.ModelPath);
        var weights = FindStored(intact, "weights.safetensors");
        var rng = new Random(7);
        var copies = new List<(string kind, byte[] bytes)>();
        for (var i = 0; i < 10; i++)
        {
            var b = (byte[])intact.Clone();
            var at = rng.Next(b.Length - 64);
            for (var j = 0; j < 1 + rng.Next(32); j++) b[at + j] ^= (byte)(1 + rng.Next(255));
            copies.Add(($"byte run at {at}", b));
        }
        for (var i = 0; i < 10; i++)
        {
            var b = (byte[])intact.Clone();
            // Half of the single bits land inside the weights, where a silent change would matter most.
            var at = i % 2 == 0 ? weights + rng.Next(Math.Min(4000, b.Length - weights - 1)) : rng.Next(b.Length);
            b[at] ^= (byte)(1 << rng.Next(8));
            copies.Add(($"bit at {at}", b));
        }
        for (var i = 0; i < 10; i++)
        {
            var length = rng.Next(intact.Length);
            copies.Add(($"truncated to {length}", intact[..length]));
        }
        for (var i = 0; i < 10; i++)
        {
            var b = (byte[])intact.Clone();
            var at = rng.Next(b.Length - 512);
            Array.Clear(b, at, 64 + rng.Next(448));
            copies.Add(($"zeroed block at {at}", b));
        }

        var ml = new MLContext(seed: 0);
        var (rejected, unaffected) = (0, 0);
        foreach (var (kind, bytes) in copies)
        {
            var path = Path.Combine(saved.Folder, "damaged.zip");
            File.WriteAllBytes(path, bytes);
            ITransformer model;
            try { model = ModelFiles.Load(ml, path, out _); }
            catch (InvalidDataException e)
            {
                Assert.Contains("damaged.zip", e.Message);
                rejected++;
                output.WriteLine($"{kind}: rejected: {e.Message}");
                continue;
            }
            using (model as IDisposable)
            {
                var test = ml.Data.LoadFromTextFile<ImageRow>(saved.TestTsv, hasHeader: true);
                List<ImagePrediction> scored;
                try { scored = ml.Data.CreateEnumerable<ImagePrediction>(model.Transform(test), reuseRowObject: false).ToList(); }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    throw new Xunit.Sdk.XunitException($"{kind}: loaded, then scoring failed: {e.GetType().Name}: {e.Message}");
                }
                Assert.Equal(saved.TransformScores.Count, scored.Count);
                for (var r = 0; r < scored.Count; r++)
                {
                    Assert.True(saved.TransformScores[r].SequenceEqual(scored[r].Score), $"{kind}: loaded and scored differently (row {r})");
                    Assert.Equal(saved.Predicted[r], scored[r].Predicted);
                }
                unaffected++;
                output.WriteLine($"{kind}: loaded, scores identical");
            }
        }
        output.WriteLine($"{copies.Count} damaged copies: {rejected} rejected, {unaffected} unaffected");
        Assert.Equal(copies.Count, rejected + unaffected);
        Assert.True(rejected >= copies.Count / 2, $"only {rejected} of {copies.Count} rejected");
    }
}
