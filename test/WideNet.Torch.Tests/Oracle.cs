// Test helper: runs PyTorch (python3-torch, the numerical oracle) on tensors sent from C#, through
// oracle/ops_oracle.py. Tensors cross as raw little-endian bytes (base64 in JSON), so inputs are bit-identical on
// both sides. Tests batch many cases into one python run to keep the suite fast.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WideNet.Torch.Tests;

/// <summary>One python computation: <paramref name="Code"/> sets <c>out</c> from the named inputs and args.</summary>
public sealed record OracleCase(string Name, string Code, IReadOnlyDictionary<string, Tensor>? Inputs = null, IReadOnlyDictionary<string, object>? Args = null);

public static class Oracle
{
    static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "oracle", "ops_oracle.py");

    /// <summary>Runs every case in one python process; returns the outputs of each case (or throws with python's
    /// traceback when a case failed and <paramref name="allowErrors"/> is false).</summary>
    public static Dictionary<string, Tensor[]> Run(IEnumerable<OracleCase> cases, bool allowErrors = false)
    {
        var dir = Path.Combine(Path.GetTempPath(), "widenet-oracle-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var request = new JsonObject { ["cases"] = new JsonArray(cases.Select(Encode).ToArray()) };
            var inPath = Path.Combine(dir, "request.json");
            var outPath = Path.Combine(dir, "response.json");
            File.WriteAllText(inPath, request.ToJsonString());
            var psi = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add(ScriptPath);
            psi.ArgumentList.Add(inPath);
            psi.ArgumentList.Add(outPath);
            psi.Environment["OMP_NUM_THREADS"] = "1";
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(120_000)) { p.Kill(); throw new TimeoutException("python oracle did not finish in 120 s"); }
            if (p.ExitCode != 0) throw new InvalidOperationException($"python oracle failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(outPath));
            var result = new Dictionary<string, Tensor[]>();
            foreach (var prop in doc.RootElement.GetProperty("results").EnumerateObject())
            {
                if (prop.Value.TryGetProperty("error", out var err))
                {
                    if (!allowErrors) throw new InvalidOperationException($"python case '{prop.Name}' failed:\n{err.GetString()}");
                    continue;
                }
                result[prop.Name] = prop.Value.GetProperty("outputs").EnumerateArray().Select(Decode).ToArray();
            }
            return result;
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>Runs one case and returns its outputs.</summary>
    public static Tensor[] Run1(string code, IReadOnlyDictionary<string, Tensor>? inputs = null, IReadOnlyDictionary<string, object>? args = null) =>
        Run(new[] { new OracleCase("case", code, inputs, args) })["case"];

    static JsonObject Encode(OracleCase c)
    {
        var inputs = new JsonObject();
        foreach (var (k, t) in c.Inputs ?? new Dictionary<string, Tensor>()) inputs[k] = EncodeTensor(t);
        var args = new JsonObject();
        foreach (var (k, v) in c.Args ?? new Dictionary<string, object>()) args[k] = JsonSerializer.SerializeToNode(v);
        return new JsonObject { ["name"] = c.Name, ["code"] = c.Code, ["inputs"] = inputs, ["args"] = args };
    }

    static JsonObject EncodeTensor(Tensor t) => new()
    {
        ["dtype"] = t.dtype.TorchName(),
        ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode)d).ToArray()),
        ["b64"] = Convert.ToBase64String(RawBytes(t)),
    };

    /// <summary>Row-major little-endian bytes of any tensor.</summary>
    public static byte[] RawBytes(Tensor t) => t.dtype switch
    {
        ScalarType.Float32 => MemoryMarshal.AsBytes(t.ToArray<float>().AsSpan()).ToArray(),
        ScalarType.Float64 => MemoryMarshal.AsBytes(t.ToArray<double>().AsSpan()).ToArray(),
        ScalarType.Int64 => MemoryMarshal.AsBytes(t.ToArray<long>().AsSpan()).ToArray(),
        ScalarType.Int32 => MemoryMarshal.AsBytes(t.ToArray<int>().AsSpan()).ToArray(),
        ScalarType.Int16 => MemoryMarshal.AsBytes(t.ToArray<short>().AsSpan()).ToArray(),
        ScalarType.Int8 => MemoryMarshal.AsBytes(t.ToArray<sbyte>().AsSpan()).ToArray(),
        ScalarType.Float16 or ScalarType.BFloat16 => MemoryMarshal.AsBytes(t.ToArray<ushort>().AsSpan()).ToArray(),
        ScalarType.UInt8 or ScalarType.Bool => t.ToArray<byte>(),
        _ => throw new NotSupportedException(t.dtype.ToString()),
    };

    static Tensor Decode(JsonElement e)
    {
        var dtype = Enum.GetValues<ScalarType>().Single(s => s.TorchName() == e.GetProperty("dtype").GetString());
        var shape = e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
        return torch.frombuffer(Convert.FromBase64String(e.GetProperty("b64").GetString()!), shape, dtype);
    }

    /// <summary>Asserts equal shape and dtype and values within |a−b| ≤ atol + rtol·|b| (NaNs must match).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6, string? what = null, bool checkDtype = true)
    {
        var label = what is null ? "" : what + ": ";
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{label}shape {Tensor2Str(actual.shape)} != expected {Tensor2Str(expected.shape)}");
        if (checkDtype) Assert.True(expected.dtype == actual.dtype, $"{label}dtype {actual.dtype} != expected {expected.dtype}");
        using var e64 = expected.to(ScalarType.Float64);
        using var a64 = actual.to(ScalarType.Float64);
        var e = e64.ToArray<double>();
        var a = a64.ToArray<double>();
        for (var i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]) && double.IsNaN(a[i])) continue;
            if (e[i] == a[i]) continue;
            var ok = Math.Abs(e[i] - a[i]) <= atol + rtol * Math.Abs(e[i]);
            Assert.True(ok, $"{label}element {i}: {a[i]:R} != expected {e[i]:R} (rtol {rtol}, atol {atol})");
        }
    }

    static string Tensor2Str(long[] s) => "[" + string.Join(", ", s) + "]";
}
