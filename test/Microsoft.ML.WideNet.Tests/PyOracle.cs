using System.Diagnostics;
using WideNet.Torch.Serialization;

using WideNet.Torch;

namespace Microsoft.ML.WideNet.Tests;

/// <summary>Runs a snippet on Debian's python3-torch (the same kernels) with tensors exchanged as safetensors
/// files; the snippet reads <c>inputs[name]</c> and fills <c>outputs[name]</c>.</summary>
public static class PyOracle
{
    static string RepoRoot
    {
        get
        {
            var dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "WideNet.MLNet.sln"))) dir = Path.GetDirectoryName(dir);
            return dir ?? throw new InvalidOperationException("repository root not found");
        }
    }

    /// <summary>/usr/bin/python3 (Debian's, with python3-torch) unless WIDENET_PYTHON names another.</summary>
    static string Python => Environment.GetEnvironmentVariable("WIDENET_PYTHON") ?? (File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

    public static Dictionary<string, Tensor> Run(string snippet, IEnumerable<KeyValuePair<string, Tensor>> inputs)
    {
        var dir = Directory.CreateTempSubdirectory("wn-oracle-").FullName;
        try
        {
            var code = Path.Combine(dir, "snippet.py");
            var src = Path.Combine(dir, "in.safetensors");
            var dst = Path.Combine(dir, "out.safetensors");
            File.WriteAllText(code, snippet);
            Safetensors.Save(src, inputs);
            var psi = new ProcessStartInfo(Python)
            {
                ArgumentList = { Path.Combine(RepoRoot, "tools", "pytorch", "run_snippet.py"), code, src, dst },
                RedirectStandardError = true, RedirectStandardOutput = true,
            };
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException("python oracle failed:\n" + stderr.Result);
            return Safetensors.Load(dst);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static Dictionary<string, Tensor> Run(string snippet, params (string name, Tensor tensor)[] inputs) =>
        Run(snippet, inputs.Select(i => KeyValuePair.Create(i.name, i.tensor)));

    public static void AssertClose(Tensor expected, Tensor actual, double atol = 1e-5, double rtol = 1e-5, string what = "")
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(",", actual.shape)}] != expected [{string.Join(",", expected.shape)}]");
        Assert.True(expected.dtype == actual.dtype, $"{what}: dtype {actual.dtype} != expected {expected.dtype}");
        using var e = expected.to(ScalarType.Float64);
        using var a = actual.to(ScalarType.Float64);
        using var diff = (e - a).abs();
        using var tol = e.abs() * rtol + atol;
        using var bad = (diff > tol).any();
        if (bad.item<bool>())
        {
            using var m = diff.max();
            Assert.Fail($"{what}: max abs difference {m.item<double>():G6}");
        }
    }
}
