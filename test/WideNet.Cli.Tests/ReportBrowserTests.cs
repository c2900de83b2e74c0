using System.Diagnostics;
using System.Text.RegularExpressions;

namespace WideNet.Cli.Tests;

/// <summary>The `--report` page rendered in headless Chromium: every picture it references must load.</summary>
public class ReportBrowserTests
{
    /// <summary>Renders a copy of <paramref name="indexHtml"/> with a probe script and returns (images, missing sources).</summary>
    internal static (int images, string[] missing) Render(string indexHtml)
    {
        const string script = "<script>window.addEventListener('load', () => { const all = [...document.images];" +
                              " const bad = all.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));" +
                              " document.title = 'images:' + all.length + ';missing:' + bad.join(','); });</script>";
        var m = Probe(Path.GetDirectoryName(indexHtml)!, File.ReadAllText(indexHtml).Replace("</body>", script + "</body>"), "<title>images:(\\d+);missing:([^<]*)</title>");
        return (int.Parse(m.Groups[1].Value), m.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Draws the SVG files inline in headless Chromium and returns every element drawn outside its picture's
    /// box, and every legend drawn over a plot area (empty when all fit).</summary>
    internal static string[] Misfits(params string[] svgFiles)
    {
        var body = string.Join("\n", svgFiles.Select((f, i) =>
            Regex.Replace(File.ReadAllText(f), @"^<\?xml[^>]*\?>", "").Replace("<svg ", $"<svg id=\"{Path.GetFileName(f)}\" ")));
        const string script = "<script>window.addEventListener('load', () => { const out = [];" +
            " for (const svg of document.querySelectorAll('body > svg')) { const box = svg.getBoundingClientRect();" +
            "  for (const el of svg.querySelectorAll('text, rect, line, polyline, circle')) { const r = el.getBoundingClientRect();" +
            "   if (r.width === 0 && r.height === 0) continue;" +
            "   if (r.left < box.left - 0.5 || r.top < box.top - 0.5 || r.right > box.right + 0.5 || r.bottom > box.bottom + 0.5)" +
            "    out.push(svg.id + ' ' + el.tagName + ' ' + (el.textContent || '').trim().slice(0, 30)); }" +
            "  const plots = [...svg.querySelectorAll('.plot-area')].map(e => e.getBoundingClientRect());" +
            "  for (const lg of svg.querySelectorAll('.legend')) { const r = lg.getBoundingClientRect();" +
            "   if (plots.some(p => r.left < p.right && r.right > p.left && r.top < p.bottom && r.bottom > p.top)) out.push(svg.id + ' legend over the plot ' + lg.textContent); } }" +
            " document.title = 'misfits:' + out.length + ';' + out.join('|'); });</script>";
        var dir = Directory.CreateTempSubdirectory("widenet-svg").FullName;
        try
        {
            var m = Probe(dir, $"<!DOCTYPE html><html><head><title>probe</title></head><body>{body}{script}</body></html>", "<title>misfits:(\\d+);([^<]*)</title>");
            return m.Groups[2].Value.Split('|', StringSplitOptions.RemoveEmptyEntries);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Writes <paramref name="html"/> into <paramref name="folder"/>, renders it in headless Chromium and matches
    /// the rendered DOM against <paramref name="pattern"/>.</summary>
    static Match Probe(string folder, string html, string pattern)
    {
        var probe = Path.Combine(folder, "probe.html");
        File.WriteAllText(probe, html);
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("chromium is not installed: `build/run.sh test` installs it (apt-get install chromium)");
        var psi = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--allow-file-access-from-files",
                                  "--user-data-dir=" + Path.Combine(folder, "chromium-profile"), "--window-size=2400,2400",
                                  "--virtual-time-budget=10000", "--dump-dom", new Uri(probe).AbsoluteUri })
            psi.ArgumentList.Add(a);
        // A headless browser on a loaded machine now and then exits before the load event (or crashes starting up);
        // that says nothing about the page, so such a run is tried again, at most three times in all.
        Match m = Match.Empty;
        for (var attempt = 1; attempt <= 3 && !m.Success; attempt++)
        {
            using var p = Process.Start(psi)!;
            var dom = p.StandardOutput.ReadToEndAsync();
            var err = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("chromium did not finish in 2 minutes"); }
            m = Regex.Match(dom.Result, pattern);
            if (!m.Success && attempt == 3)
                Assert.Fail($"no probe result in the rendered page after 3 runs (exit {p.ExitCode}): {err.Result[..Math.Min(500, err.Result.Length)]}");
        }
        return m;
    }

    [Fact]
    public void ReportPicturesAppearInHeadlessChromium()
    {
        var root = Directory.CreateTempSubdirectory("widenet-report").FullName;
        var data = Path.Combine(root, "data");
        for (var c = 0; c < 2; c++)
        {
            var dir = Directory.CreateDirectory(Path.Combine(data, $"c{c}")).FullName;
            for (var i = 0; i < 10; i++)
                File.WriteAllBytes(Path.Combine(dir, $"{i}.png"),
                    Microsoft.ML.WideNet.Vision.PngEncoder.Encode(Enumerable.Range(0, 64).Select(p => (byte)(c == 0 ? p * 4 : 255 - p * 4 + i)).ToArray(), 8, 8, 1));
        }
        var report = Path.Combine(root, "report");
        Assert.Equal(0, Cli.Run(new[] { "train", "--task", "image", "--data", data, "--test-data", data, "--epochs", "2", "--batch-size", "8",
                                        "--out", Path.Combine(root, "m.zip"), "--report", report }));
        var (images, missing) = Render(Path.Combine(report, "index.html"));
        Assert.Equal(2, images);                 // curves and confusion matrix
        Assert.Empty(missing);
        Assert.Empty(Misfits(Path.Combine(report, "curves.svg"), Path.Combine(report, "confusion.svg")));

        // The probe does fail when a picture is missing.
        File.Delete(Path.Combine(report, "confusion.svg"));
        (images, missing) = Render(Path.Combine(report, "index.html"));
        Assert.Equal(2, images);
        Assert.Equal(new[] { "confusion.svg" }, missing);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void EveryChartFitsItsBoxAtTheExtremes()
    {
        var dir = Directory.CreateTempSubdirectory("widenet-charts").FullName;
        try
        {
            var many = Enumerable.Range(1, 40).Select(e => new Microsoft.ML.WideNet.Training.EpochMetrics(e, 2.0 / e, 1 - 1.0 / (e + 1), 0, 2.2 / e, 0.95 - 1.0 / (e + 2), 1e-3)).ToList();
            var few = many.Take(1).ToList();
            Microsoft.ML.WideNet.Training.SvgCharts.WriteTrainingCurves(Path.Combine(dir, "curves-40.svg"), many, "a model with a long description: WideNet d 128, 4 heads, 6 blocks");
            Microsoft.ML.WideNet.Training.SvgCharts.WriteTrainingCurves(Path.Combine(dir, "curves-1.svg"), few);
            var k = 24;
            var confusion = new long[k, k];
            for (var i = 0; i < k; i++) for (var j = 0; j < k; j++) confusion[i, j] = i == j ? 900 : (i * j) % 7;
            Microsoft.ML.WideNet.Training.SvgCharts.WriteConfusionMatrix(Path.Combine(dir, "confusion-24.svg"), confusion,
                Enumerable.Range(0, k).Select(i => $"a rather long class name {i}").ToArray());
            Microsoft.ML.WideNet.Training.SvgCharts.WriteScatter(Path.Combine(dir, "scatter.svg"), "trials", "seconds", "validation accuracy",
                [("rung 0 (1 epoch, a long label)", "#1f77b4", [(1.0, 0.5), (20.0, 0.7)]), ("rung 1", "#ff7f0e", [(40.0, 0.8)])],
                ("best so far", "#2ca02c", [(1.0, 0.5), (40.0, 0.8)]));
            var files = Directory.GetFiles(dir, "*.svg");
            Assert.Equal(4, files.Length);
            Assert.Empty(Misfits(files));

            // The probe does see a label past the right edge and a legend over the plot.
            var bad = Path.Combine(dir, "bad.svg");
            File.WriteAllText(bad, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100\"><rect class=\"plot-area\" x=\"10\" y=\"10\" width=\"100\" height=\"80\"/>" +
                                   "<text x=\"190\" y=\"50\">outside</text><g class=\"legend\"><text x=\"20\" y=\"40\">train</text></g></svg>");
            var misfits = Misfits(bad);
            Assert.Contains(misfits, m => m.Contains("outside"));
            Assert.Contains(misfits, m => m.Contains("legend over the plot"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
