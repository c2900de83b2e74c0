using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace WideNet.Cli.Tests;

/// <summary>
/// `build/pack-test.sh`: the NuGet packages as a user gets them. It packs WideNet.Torch and Microsoft.ML.WideNet into
/// a folder feed, and a fresh console app outside the repository adds Microsoft.ML.WideNet from it
/// (`dotnet add package`), builds (which compiles libwidenet_native.so from the package's native sources against the
/// machine's LibTorch) and runs (`dotnet run`): it trains on synthetic images, evaluates, saves, loads and predicts.
/// 1–3 minutes on 2 cores, most of it compiling the native library.
/// </summary>
public class PackageConsumerTests(ITestOutputHelper output)
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(30);

    [Fact]
    public void AnAppOutsideTheRepositoryTrainsAndPredictsWithThePackagesFromAFolderFeed()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "WideNet.MLNet.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        var log = Path.Combine(Path.GetTempPath(), $"widenet-pack-test-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        try
        {
            // The output goes to a file, not a pipe: nothing the script starts can keep this test waiting for it.
            var psi = new ProcessStartInfo("bash") { WorkingDirectory = root, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("exec bash \"$0\" >\"$1\" 2>&1");
            psi.ArgumentList.Add(Path.Combine(root, "build", "pack-test.sh"));
            psi.ArgumentList.Add(log);
            using var p = Process.Start(psi)!;
            var exited = p.WaitForExit(Timeout);
            if (!exited) p.Kill(entireProcessTree: true);
            var text = File.Exists(log) ? File.ReadAllText(log) : "";
            output.WriteLine(text);

            Assert.True(exited, $"build/pack-test.sh ran past {Timeout.TotalMinutes} minutes:\n{Tail(text)}");
            Assert.True(p.ExitCode == 0, $"build/pack-test.sh exited with {p.ExitCode}:\n{Tail(text)}");
            var accuracy = Regex.Match(text, @"^accuracy: (?<a>[0-9.]+) \(reloaded model: (?<r>[0-9.]+)\)", RegexOptions.Multiline);
            Assert.True(accuracy.Success, $"no accuracy line:\n{Tail(text)}");
            Assert.InRange(double.Parse(accuracy.Groups["a"].Value, CultureInfo.InvariantCulture), 0.6, 1.0);
            Assert.Equal(accuracy.Groups["a"].Value, accuracy.Groups["r"].Value);
            Assert.Matches(new Regex(@"^prediction: \w+ ", RegexOptions.Multiline), text);
            Assert.Matches(new Regex(@"^exported .*model\.onnx \(\d+ KiB\)", RegexOptions.Multiline), text);   // ONNX export from the package
            Assert.Contains("pack-test: passed", text);
        }
        finally
        {
            File.Delete(log);
        }
    }

    static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];
}
