using System.Diagnostics;

namespace WideNet.Cli.Tests;

/// <summary>
/// `build/test_summary.py`, which `.ci/run` ends with: it adds up the counters of every .trx file under a folder
/// into one `N passed, M failed, K skipped` line, and names each failed test first (on stderr) with the first lines
/// of its message, so that the tail of a CI log says what failed.
/// </summary>
public class TestSummaryScriptTests
{
    const string Ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    static string Trx(int passed, int failed, params (string name, string outcome, string? message)[] results) =>
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun xmlns="{Ns}">
          <Results>
        {string.Concat(results.Select(r =>
            $"    <UnitTestResult testName=\"{r.name}\" outcome=\"{r.outcome}\">" +
            (r.message is null ? "" : $"<Output><ErrorInfo><Message>{r.message}</Message></ErrorInfo></Output>") +
            "</UnitTestResult>\n"))}
          </Results>
          <ResultSummary outcome="{(failed > 0 ? "Failed" : "Completed")}">
            <Counters total="{passed + failed}" executed="{passed + failed}" passed="{passed}" failed="{failed}" error="0" timeout="0" aborted="0" notExecuted="0" />
          </ResultSummary>
        </TestRun>
        """;

    static (int exit, string stdout, string stderr) Summarise(string folder)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "WideNet.MLNet.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(root, "build", "test_summary.py"));
        psi.ArgumentList.Add(folder);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output.Trim(), err.Result);
    }

    [Fact]
    public void AddsUpEveryTrxAndNamesEachFailedTest()
    {
        var dir = Directory.CreateTempSubdirectory("widenet-trx").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a.trx"), Trx(2, 0, ("A.Passes", "Passed", null), ("A.AlsoPasses", "Passed", null)));
            var message = string.Join("\n", Enumerable.Range(1, 8).Select(i => $"line {i} of the message"));
            Directory.CreateDirectory(Path.Combine(dir, "nested"));
            File.WriteAllText(Path.Combine(dir, "nested", "b.trx"), Trx(1, 1, ("B.Passes", "Passed", null), ("B.Breaks", "Failed", message)));

            var (exit, stdout, stderr) = Summarise(dir);
            Assert.Equal(0, exit);
            Assert.Equal("3 passed, 1 failed, 0 skipped", stdout);
            Assert.Contains("FAILED B.Breaks", stderr);
            Assert.Contains("line 1 of the message", stderr);
            Assert.Contains("line 6 of the message", stderr);
            Assert.DoesNotContain("line 7 of the message", stderr);    // only the head of a long message
            Assert.DoesNotContain("A.Passes", stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnEmptyFolderIsAnErrorNotZeroTests()
    {
        var dir = Directory.CreateTempSubdirectory("widenet-trx").FullName;
        try
        {
            var (exit, stdout, stderr) = Summarise(dir);
            Assert.Equal(1, exit);
            Assert.Equal("", stdout);
            Assert.Contains("no test results found", stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
