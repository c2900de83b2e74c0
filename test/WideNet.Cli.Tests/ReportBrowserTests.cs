using System.Diagnostics;
using System.Text.RegularExpressions;

namespace WideNet.Cli.Tests;

/// <summary>The `--report` page rendered in headless Chromium: every picture it references must load.</summary>
public class ReportBrowserTests
{
    /// <summary>Renders a copy of <paramref name="indexHtml"/> with a probe script and returns (images, missing sources).</summary>
    internal static (int images, string[] missing) Render(string indexHtml)
    {
        var probe = Path.Combine(Path.GetDirectoryName(indexHtml)!, "probe.html");
        const string script = "<script>window.addEventListener('load', () => { const all = [...document.images];" +
                              " const bad = all.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));" +
                              " document.title = 'images:' + all.length + ';missing:' + bad.join(','); });</script>";
        File.WriteAllText(probe, File.ReadAllText(indexHtml).Replace("</body>", script + "</body>"));
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("chromium is not installed: `build/run.sh test` installs it (apt-get install chromium)");
        var psi = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--allow-file-access-from-files",
                                  "--user-data-dir=" + Path.Combine(Path.GetDirectoryName(indexHtml)!, "chromium-profile"),
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
            m = Regex.Match(dom.Result, "<title>images:(\\d+);missing:([^<]*)</title>");
            if (!m.Success && attempt == 3)
                Assert.Fail($"no probe result in the rendered page after 3 runs (exit {p.ExitCode}): {err.Result[..Math.Min(500, err.Result.Length)]}");
        }
        return (int.Parse(m.Groups[1].Value), m.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries));
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

        // The probe does fail when a picture is missing.
        File.Delete(Path.Combine(report, "confusion.svg"));
        (images, missing) = Render(Path.Combine(report, "index.html"));
        Assert.Equal(2, images);
        Assert.Equal(new[] { "confusion.svg" }, missing);
        Directory.Delete(root, recursive: true);
    }
}
