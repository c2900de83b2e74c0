using System.Text.Json;

namespace WideNet.Cli.Tests;

/// <summary>`widenet compare`: ML.NET's trainers and ours on one split, as a table, JSON and a report.</summary>
public class CompareCliTests
{
    static readonly string[] Trainers = ["LightGbm", "SdcaMaximumEntropy", "WideNet (Tiny)", "Brainformer (Tiny)"];

    static JsonElement[] Rows(string stdout) =>
        JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement.GetProperty("rows").EnumerateArray().ToArray();

    [Fact]
    public void ImagesFromAFolderGiveEveryTrainerARowAndAReportThatFits()
    {
        var root = Directory.CreateTempSubdirectory("widenet-compare").FullName;
        try
        {
            var data = CliTests.ImageFolder(Path.Combine(root, "data"), 20);
            var report = Path.Combine(root, "report");
            var (code, stdout, stderr) = CliTests.Run("compare", "--task", "image", "--data", data, "--epochs", "1", "--report", report, "--json");
            Assert.True(code == 0, stderr);
            var rows = Rows(stdout);
            Assert.Equal(Trainers.Append("ViT (Tiny)"), rows.Select(r => r.GetProperty("trainer").GetString()));
            Assert.All(rows, r => Assert.InRange(r.GetProperty("accuracy").GetDouble(), 0, 1));
            Assert.All(rows, r => Assert.True(r.GetProperty("fit_seconds").GetDouble() >= 0));
            Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("parameters").ValueKind);          // LightGbm: trees
            Assert.Equal(64 * 3 + 3, rows[1].GetProperty("parameters").GetInt64());             // SDCA: 8×8 grey pixels × 3 classes + biases
            Assert.True(rows[0].GetProperty("accuracy").GetDouble() > 0.9, "LightGbm should separate the three synthetic classes");
            var (images, missing) = ReportBrowserTests.Render(Path.Combine(report, "index.html"));
            Assert.Equal(1, images);
            Assert.Empty(missing);
            Assert.Empty(ReportBrowserTests.Misfits(Path.Combine(report, "compare.svg")));
            Assert.True(File.Exists(Path.Combine(report, "compare.json")));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void TextWithABudgetPrintsTheTable()
    {
        var root = Directory.CreateTempSubdirectory("widenet-compare-text").FullName;
        try
        {
            var tsv = Path.Combine(root, "texts.tsv");
            var words = new[] { ("sports", "goal match team score"), ("food", "bread soup cheese salad"), ("tech", "kernel compiler linux code") };
            File.WriteAllLines(tsv, new[] { "Text\tLabel" }.Concat(Enumerable.Range(0, 90).Select(i => $"{words[i % 3].Item2} {i}\t{words[i % 3].Item1}")));
            var (code, stdout, stderr) = CliTests.Run("compare", "--task", "text", "--data", tsv, "--epochs", "3", "--budget-seconds", "0.001");
            Assert.True(code == 0, stderr);
            foreach (var t in Trainers.Append("Transformer (Tiny)")) Assert.Contains(t, stdout);
            Assert.Contains("log-loss", stdout);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void BadUsageExitsWithTwo()
    {
        Assert.Equal(2, CliTests.Run("compare", "--demo", "audio").code);
        Assert.Equal(2, CliTests.Run("compare", "--task", "image").code);
        Assert.Equal(2, CliTests.Run("compare", "--task", "image", "--data", "/nonexistent").code);
    }
}
