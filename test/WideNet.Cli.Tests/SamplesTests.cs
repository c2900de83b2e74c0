using System.Diagnostics;

namespace WideNet.Cli.Tests;

/// <summary>The samples (what the README shows) run against real ML.NET: tiny data, one epoch, in a scratch folder.</summary>
public class SamplesTests
{
    static (int exit, string output) Sample(string workDir, params string[] args)
    {
        var config = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "WideNet.MLNet.sln"))) root = root.Parent;
        var dll = Path.Combine(root!.FullName, "src", "Samples", "WideNet.Samples", "bin", config, "net10.0", "WideNet.Samples.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(900_000), $"sample {args[0]} did not finish within 15 minutes");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void ImageFolderThenLoadAndPredictThenTextThenCompareRun()
    {
        var work = Directory.CreateTempSubdirectory("widenet-samples").FullName;
        try
        {
            var folder = CliTests.ImageFolder(Path.Combine(work, "images"), 12);
            var (exit, output) = Sample(work, "image-folder", folder, "1");
            Assert.True(exit == 0, output);
            Assert.Contains("MicroAccuracy:", output);
            Assert.True(File.Exists(Path.Combine(work, "artifacts", "samples", "image-model.zip")), output);

            (exit, output) = Sample(work, "load-and-predict", "artifacts/samples/image-model.zip", folder);
            Assert.True(exit == 0, output);
            Assert.Equal(3, output.Split('\n').Count(l => l.Contains(" => ", StringComparison.Ordinal)));

            var tsv = Path.Combine(work, "texts.tsv");
            File.WriteAllLines(tsv, new[] { "Text\tLabel" }.Concat(Enumerable.Range(0, 60).Select(i =>
                i % 2 == 0 ? $"the kernel {i} panicked and the compiler crashed\tlinux" : $"cheese {i} and bread with butter for dinner\tfood")));
            (exit, output) = Sample(work, "text-tsv", tsv, "1");
            Assert.True(exit == 0, output);
            Assert.Contains("MicroAccuracy:", output);

            (exit, output) = Sample(work, "tune", folder, "15");
            Assert.True(exit == 0, output);
            Assert.Contains("trials in", output);

            (exit, output) = Sample(work, "compare", "1", "15");
            Assert.True(exit == 0, output);
            foreach (var trainer in new[] { "LightGbm (pixels)", "SdcaMaximumEntropy (pixels)", "FeaturizeText + SdcaMaximumEntropy", "WideNet (Tiny)", "Brainformer (Tiny)" })
                Assert.Contains(trainer, output);
        }
        finally { Directory.Delete(work, recursive: true); }
    }
}
