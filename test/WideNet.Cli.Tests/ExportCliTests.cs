using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace WideNet.Cli.Tests;

/// <summary>`widenet export` and `widenet bench --inference --onnx`.</summary>
public class ExportCliTests
{
    [Fact]
    public void ExportWritesAModelOnnxRuntimeRunsAndSaysWhatItExpects()
    {
        var root = Directory.CreateTempSubdirectory("widenet-export").FullName;
        try
        {
            var data = CliTests.ImageFolder(Path.Combine(root, "data"), 12);
            var zip = Path.Combine(root, "m.zip");
            Assert.Equal(0, CliTests.Run("train", "--task", "image", "--data", data, "--epochs", "1", "--arch", "vit-moe", "--out", zip).code);
            var onnx = Path.Combine(root, "m.onnx");
            var (code, stdout, stderr) = CliTests.Run("export", "--model", zip, "--onnx", onnx, "--json");
            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
            Assert.Equal(new FileInfo(onnx).Length, json.RootElement.GetProperty("bytes").GetInt64());
            Assert.Equal(17, json.RootElement.GetProperty("opset").GetInt32());
            Assert.Equal(new[] { "class0", "class1", "class2" }, json.RootElement.GetProperty("class_names").EnumerateArray().Select(e => e.GetString()));

            using var session = new InferenceSession(onnx);
            var dims = session.InputMetadata["pixels"].Dimensions;
            Assert.Equal(new[] { -1, 1 }, dims.Take(2));
            var pixels = new DenseTensor<float>(new[] { 3, 1, dims[2], dims[3] });
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("pixels", pixels)]);
            var p = results.Single().AsTensor<float>().ToArray();
            Assert.Equal(9, p.Length);
            Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(1.0, p.Skip(3 * i).Take(3).Sum(), 4));

            var (badCode, _, badErr) = CliTests.Run("export", "--model", zip, "--onnx", Path.Combine(root, "missing", "m.onnx"));
            Assert.Equal(2, badCode);
            Assert.Contains("missing", badErr);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void BenchTimesLibTorchAndOnnxRuntimeOnTheSameInputs()
    {
        var (code, stdout, stderr) = CliTests.Run("bench", "--inference", "--onnx", "--dim", "32", "--heads", "2", "--depth", "2", "--hidden", "64", "--batch-size", "7", "--steps", "3", "--warmup", "1");
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(new[] { ".net", "onnxruntime" }, lines.Select(l => l.GetProperty("runtime").GetString()));
        Assert.All(lines, l => Assert.True(l.GetProperty("images_per_s").GetDouble() > 0));
        Assert.InRange(lines[1].GetProperty("max_abs_diff_vs_libtorch").GetDouble(), 0, 1e-4);
        Assert.Equal(2, CliTests.Run("bench", "--onnx").code);   // ONNX timing is of inference only
    }
}
