using System.Text.Json;

namespace WideNet.Cli.Tests;

/// <summary>`widenet tune`: the budget, the JSON line, the saved model and the report in a real browser.</summary>
[Collection(TimedCollection.Name)]
public class TuneCliTests
{
    [Fact]
    public void TuneHonoursTheBudgetSavesTheBestModelAndWritesJsonAndAReport()
    {
        var root = Directory.CreateTempSubdirectory("widenet-tune").FullName;
        try
        {
            var data = CliTests.ImageFolder(Path.Combine(root, "data"), 12);
            var model = Path.Combine(root, "best.zip");
            var report = Path.Combine(root, "report");
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var (code, stdout, err) = CliTests.Run("tune", "--task", "image", "--data", data, "--test-data", data, "--budget-seconds", "20",
                                                   "--max-epochs", "3", "--out", model, "--report", report, "--json");
            Assert.True(code == 0, err + stdout);
            Assert.True(sw.Elapsed.TotalSeconds < 20 + 30, $"tune took {sw.Elapsed.TotalSeconds:F0} s for a 20 s budget");
            Assert.True(stdout.Contains("within the budget plus the longest first-rung trial"), stdout);
            Assert.DoesNotContain("is not a multiple of PatchSize", stdout);   // the space fits the 8×8 images
            var last = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
            foreach (var key in new[] { "best", "validation_accuracy", "test_accuracy", "trials", "seconds" })
                Assert.True(last.TryGetProperty(key, out _), $"no '{key}' in {last}");
            Assert.True(last.GetProperty("trials").GetInt32() >= 3);
            Assert.Equal(JsonValueKind.String, last.GetProperty("best").GetProperty("Architecture").ValueKind);
            Assert.InRange(last.GetProperty("seconds").GetDouble(), 1, 45);
            Assert.True(File.Exists(model));
            (code, stdout, err) = CliTests.Run("evaluate", "--model", model, "--data", data, "--json");
            Assert.True(code == 0, err);

            var (images, missing) = ReportBrowserTests.Render(Path.Combine(report, "index.html"));
            Assert.Equal(1, images);                  // validation accuracy of each trial against time
            Assert.Empty(missing);
            var html = File.ReadAllText(Path.Combine(report, "index.html"));
            Assert.Contains("<th>rung</th>", html);
            Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "trials.json"))).RootElement.ValueKind);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void TuneRejectsBadArguments()
    {
        Assert.Equal(2, CliTests.Run("tune", "--task", "image", "--data", "/nonexistent", "--out", "x.zip").code);
        Assert.Equal(2, CliTests.Run("tune", "--task", "image", "--data", "/tmp", "--budget-seconds", "0", "--out", "x.zip").code);
        Assert.Equal(2, CliTests.Run("tune", "--task", "sound", "--data", "/tmp", "--out", "x.zip").code);
        Assert.Equal(2, CliTests.Run("tune", "--task", "image", "--data", "/tmp", "--strategy", "grid", "--out", "x.zip").code);
    }
}
