// Proves dtype handling: tensors of float32, float16, bfloat16, float64, int64, int32, int16, int8, bool and uint8
// are created from .NET arrays and spans and copied back unchanged (bfloat16 and float16 also as ushort bits),
// to(dtype) converts values like PyTorch, and zeros/ones/full/arange/rand/randn/randint honour dtype and seeded
// generators.
using WideNet.Torch;
using static WideNet.Torch.torch;

namespace WideNet.Torch.Tests;

public class DTypeTests
{
    static void RoundTrip<T>(T[] data, ScalarType expected) where T : unmanaged
    {
        using var t = tensor(data, 2, data.Length / 2);
        Assert.Equal(expected, t.dtype);
        Assert.Equal(new long[] { 2, data.Length / 2 }, t.shape);
        Assert.Equal(data, t.ToArray<T>());
        var span = new T[data.Length];
        t.CopyTo(span.AsSpan());
        Assert.Equal(data, span);
        using var fromSpan = tensor<T>(new ReadOnlySpan<T>(data));
        Assert.Equal(new long[] { data.Length }, fromSpan.shape);
        Assert.Equal(data, fromSpan.ToArray<T>());
    }

    [Fact]
    public void ArraysRoundTripForEveryDtype()
    {
        RoundTrip(new float[] { 1.5f, -2, float.MaxValue, float.Epsilon }, ScalarType.Float32);
        RoundTrip(new double[] { 1.5, -2, double.MaxValue, 1e-300 }, ScalarType.Float64);
        RoundTrip(new long[] { long.MinValue, -1, 0, long.MaxValue }, ScalarType.Int64);
        RoundTrip(new int[] { int.MinValue, -1, 0, int.MaxValue }, ScalarType.Int32);
        RoundTrip(new short[] { short.MinValue, -1, 0, short.MaxValue }, ScalarType.Int16);
        RoundTrip(new sbyte[] { -128, -1, 0, 127 }, ScalarType.Int8);
        RoundTrip(new byte[] { 0, 1, 128, 255 }, ScalarType.UInt8);
        RoundTrip(new bool[] { true, false, false, true }, ScalarType.Bool);
        RoundTrip(new Half[] { (Half)1.5, (Half)(-2), Half.MaxValue, Half.Epsilon }, ScalarType.Float16);
    }

    [Fact]
    public void BFloat16AndFloat16AsUShortBits()
    {
        using var scope = NewDisposeScope();
        // bfloat16 bits: 1.0 = 0x3F80, -2.0 = 0xC000, 0.5 = 0x3F00, 3.140625 = 0x4049.
        var bits = new ushort[] { 0x3F80, 0xC000, 0x3F00, 0x4049 };
        var bf = tensor<ushort>(bits, new long[] { 2, 2 }, ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, bf.dtype);
        Assert.Equal(bits, bf.ToArray<ushort>());
        Assert.Equal(new float[] { 1, -2, 0.5f, 3.140625f }, bf.to(ScalarType.Float32).ToArray<float>());
        var half = tensor<ushort>(new ushort[] { 0x3C00, 0xC000 }, null, ScalarType.Float16);
        Assert.Equal(new Half[] { (Half)1, (Half)(-2) }, half.ToArray<Half>());
        Assert.Equal(new ushort[] { 0x3C00, 0xC000 }, half.ToArray<ushort>());
        // float32 → bfloat16 rounds to nearest even like PyTorch: 1 + 2^-8 is a tie → 1.0; 1 + 3·2^-8 → 1 + 2^-6.
        var rounded = tensor(new float[] { 1 + 1f / 256, 1 + 3f / 256 }).to(ScalarType.BFloat16);
        Assert.Equal(new ushort[] { 0x3F80, 0x3F82 }, rounded.ToArray<ushort>());
        Assert.Equal(2.5f, scalar_tensor(2.5, ScalarType.BFloat16).item<float>());
        Assert.Equal((Half)2.5, scalar_tensor(2.5, ScalarType.Float16).item<Half>());
        Assert.Throws<NotSupportedException>(() => tensor<ushort>(new ushort[] { 1 }, null, ScalarType.Int16));
    }

    [Fact]
    public void ToConvertsValuesLikePyTorch()
    {
        using var scope = NewDisposeScope();
        var f = tensor(new float[] { -1.7f, -0.5f, 0, 0.5f, 2.9f });
        Assert.Equal(new long[] { -1, 0, 0, 0, 2 }, f.to(ScalarType.Int64).ToArray<long>());      // truncation
        Assert.Equal(new int[] { -1, 0, 0, 0, 2 }, f.to(ScalarType.Int32).ToArray<int>());
        Assert.Equal(new bool[] { true, true, false, true, true }, f.to(ScalarType.Bool).ToArray<bool>());
        Assert.Equal(new double[] { -1.7f, -0.5, 0, 0.5, 2.9f }, f.to(ScalarType.Float64).ToArray<double>());
        Assert.Equal(new byte[] { 0, 1, 200 }, tensor(new long[] { 0, 1, 200 }).to(ScalarType.UInt8).ToArray<byte>());
        Assert.Equal(new float[] { 1, 0 }, tensor(new bool[] { true, false }).to(ScalarType.Float32).ToArray<float>());
        var asF64 = tensor<float>(new float[] { 1, 2 }, null, ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, asF64.dtype);
        Assert.Equal(new double[] { 1, 2 }, asF64.ToArray<double>());
        Assert.Equal(ScalarType.Float32, f.@float().dtype);
        Assert.Equal(ScalarType.Int64, f.@long().dtype);
        Assert.True(f.to(ScalarType.Float32).is_same(f) || f.to(ScalarType.Float32).ToArray<float>().SequenceEqual(f.ToArray<float>()));
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Bool)]
    [InlineData(ScalarType.UInt8)]
    public void CreationFunctionsHonourDtype(ScalarType dt)
    {
        using var scope = NewDisposeScope();
        double[] Values(Tensor t) => t.to(ScalarType.Float64).ToArray<double>();
        var z = zeros(new long[] { 2, 3 }, dt);
        Assert.Equal(dt, z.dtype);
        Assert.All(Values(z), v => Assert.Equal(0, v));
        var o = ones(new long[] { 4 }, dt);
        Assert.Equal(dt, o.dtype);
        Assert.All(Values(o), v => Assert.Equal(1, v));
        var fl = full(new long[] { 3 }, dt == ScalarType.Bool ? 1 : 5, dt);
        Assert.Equal(dt, fl.dtype);
        Assert.All(Values(fl), v => Assert.Equal(dt == ScalarType.Bool ? 1 : 5, v));
        if (dt != ScalarType.Bool)
        {
            var a = arange(0, 5, 1, dt);
            Assert.Equal(dt, a.dtype);
            Assert.Equal(new double[] { 0, 1, 2, 3, 4 }, Values(a));
        }
        if (dt.IsFloatingPoint())
        {
            using var g1 = new Generator(3);
            using var g2 = new Generator(3);
            var r1 = rand(new long[] { 50 }, g1, dt);
            Assert.Equal(dt, r1.dtype);
            Assert.Equal(Values(r1), Values(rand(new long[] { 50 }, g2, dt)));
            Assert.All(Values(r1), v => Assert.InRange(v, 0, 1));
            var n1 = randn(new long[] { 50 }, g1, dt);
            Assert.Equal(dt, n1.dtype);
            Assert.Equal(Values(n1), Values(randn(new long[] { 50 }, g2, dt)));
        }
        else if (dt != ScalarType.Bool)
        {
            using var g1 = new Generator(4);
            using var g2 = new Generator(4);
            var r = randint(0, 10, new long[] { 40 }, g1, dt);
            Assert.Equal(dt, r.dtype);
            Assert.Equal(Values(r), Values(randint(0, 10, new long[] { 40 }, g2, dt)));
            Assert.All(Values(r), v => Assert.InRange(v, 0, 9));
        }
    }

    [Fact]
    public void ArangeAndFullDefaults()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 0, 1, 2 }, arange(3).ToArray<long>());
        Assert.Equal(new float[] { 0.5f, 1.0f, 1.5f }, arange(0.5, 2, 0.5, ScalarType.Float32).ToArray<float>());
        Assert.Equal(ScalarType.Float32, full(new long[] { 2 }, 1.5).dtype);
        Assert.Equal(0, zeros(new long[] { 0, 3 }).numel());
        Assert.Empty(zeros(new long[] { 0, 3 }).ToArray<float>());
        Assert.Equal(3.0f, tensor(3f).item<float>());
        Assert.Equal(0, tensor(3f).dim());
    }
}
