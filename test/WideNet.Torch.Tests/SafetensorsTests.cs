using WideNet.Torch.Serialization;
using static WideNet.Torch.torch;

namespace WideNet.Torch.Tests;

// Proves safetensors files written here are read correctly by an independent reader (Python: json + struct +
// torch.frombuffer) and vice versa, for every dtype, and that damaged files fail with a clear message.
public class SafetensorsTests
{
    static Dictionary<string, Tensor> AllDtypes()
    {
        var g = new Generator(3);
        var f = randn(new long[] { 2, 3 }, g);
        return new Dictionary<string, Tensor>
        {
            ["f32"] = f, ["f16"] = f.to(ScalarType.Float16), ["bf16"] = f.to(ScalarType.BFloat16), ["f64"] = f.to(ScalarType.Float64),
            ["i64"] = randint(-1000, 1000, new long[] { 4 }, g), ["i32"] = randint(-1000, 1000, new long[] { 2, 2 }, g, ScalarType.Int32),
            ["i16"] = randint(-1000, 1000, new long[] { 3 }, g, ScalarType.Int16), ["i8"] = randint(-100, 100, new long[] { 3 }, g, ScalarType.Int8),
            ["u8"] = randint(0, 255, new long[] { 5 }, g, ScalarType.UInt8), ["bool"] = rand(new long[] { 2, 2 }, g) > 0.5,
            ["scalar"] = scalar_tensor(3.5), ["empty"] = zeros(0, 3),
        };
    }

    [Fact]
    public void DotNetWritesPythonReads()
    {
        using var scope = NewDisposeScope();
        var mine = AllDtypes();
        // The snippet's inputs arrive through our writer and go back through Python's writer; the checks run in Python.
        var back = PyOracle.Run("""
            for k, t in inputs.items():
                outputs[k] = t
            outputs["check_bf16"] = (inputs["bf16"].float() - inputs["f32"]).abs().max().reshape(1) < 0.02
            outputs["check_dtypes"] = torch.tensor([str(inputs[k].dtype) for k in ["f16","bf16","i16","i8","u8","bool"]] == ["torch.float16","torch.bfloat16","torch.int16","torch.int8","torch.uint8","torch.bool"])
            """, mine);
        Assert.True(back["check_bf16"].item<bool>());
        Assert.True(back["check_dtypes"].item<bool>());
        foreach (var (k, t) in mine)
        {
            Assert.Equal(t.dtype, back[k].dtype);
            Assert.Equal(t.shape, back[k].shape);
            Assert.True(t.equal(back[k]), k);
        }
    }

    [Fact]
    public void PythonWritesDotNetReads()
    {
        using var scope = NewDisposeScope();
        var got = PyOracle.Run("""
            outputs["f32"] = torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4
            outputs["bf16"] = torch.tensor([1.5, -2.0, 3.25], dtype=torch.bfloat16)
            outputs["f16"] = torch.tensor([0.5, 65504.0], dtype=torch.float16)
            outputs["i64"] = torch.tensor([-(2 ** 40), 7]); outputs["i32"] = torch.tensor([[1, -2]], dtype=torch.int32)
            outputs["u8"] = torch.tensor([0, 255], dtype=torch.uint8); outputs["bool"] = torch.tensor([True, False, True])
            outputs["f64"] = torch.tensor([1e-300], dtype=torch.float64)
            """);
        Assert.Equal(new float[] { 0, 0.25f, 0.5f, 0.75f, 1, 1.25f }, got["f32"].ToArray<float>());
        Assert.Equal(new float[] { 1.5f, -2f, 3.25f }, got["bf16"].to(ScalarType.Float32).ToArray<float>());
        Assert.Equal(new[] { (Half)0.5f, (Half)65504f }, got["f16"].ToArray<Half>());
        Assert.Equal(new[] { -(1L << 40), 7 }, got["i64"].ToArray<long>());
        Assert.Equal(new long[] { 1, 2 }, got["i32"].shape);
        Assert.Equal(new byte[] { 0, 255 }, got["u8"].ToArray<byte>());
        Assert.Equal(new[] { true, false, true }, got["bool"].ToArray<bool>());
        Assert.Equal(1e-300, got["f64"].ToArray<double>()[0]);
    }

    [Fact]
    public void RoundTripKeepsMetadataAndOrder()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(Path.GetTempPath(), $"wn-{Guid.NewGuid():N}.safetensors");
        try
        {
            var t = AllDtypes();
            Safetensors.Save(path, t, new Dictionary<string, string> { ["format"] = "pt", ["model"] = "widenet" });
            var back = Safetensors.Load(path, out var meta);
            Assert.Equal("widenet", meta["model"]);
            Assert.Equal(t.Keys, back.Keys);
            foreach (var (k, v) in t) Assert.True(v.equal(back[k]), k);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "*.tmp"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void DamagedFilesFailWithClearMessages()
    {
        using var scope = NewDisposeScope();
        var bytes = Safetensors.Serialize(new Dictionary<string, Tensor> { ["weight"] = ones(4, 4) });
        var e1 = Assert.Throws<InvalidDataException>(() => Safetensors.Deserialize(bytes.AsSpan(0, bytes.Length - 10), out _));
        Assert.Contains("weight", e1.Message);
        Assert.Throws<InvalidDataException>(() => Safetensors.Deserialize(bytes.AsSpan(0, 5), out _));
        var corrupt = (byte[])bytes.Clone();
        corrupt[8] = (byte)'!'; // the header's opening brace
        Assert.Throws<InvalidDataException>(() => Safetensors.Deserialize(corrupt, out _));
        var huge = (byte[])bytes.Clone();
        huge[6] = 0x7f;
        Assert.Contains("exceeds", Assert.Throws<InvalidDataException>(() => Safetensors.Deserialize(huge, out _)).Message);
    }
}
