// Proves that failures surface as .NET exceptions and never take the process down: LibTorch errors become
// TorchException naming the op and the input shapes, use after dispose is ObjectDisposedException, reading
// elements as the wrong .NET type is ArgumentException, and the process keeps computing afterwards.
using WideNet.Torch;
using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Torch.Tests;

public class ErrorTests
{
    static void Healthy()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(6f, (ones(2, 3) * 1).sum().item<float>());
    }

    public static IEnumerable<object[]> ShapeMismatches => new[]
    {
        new object[] { "add", new long[] { 2, 3 }, new long[] { 4, 5 } },
        new object[] { "mul", new long[] { 2, 3 }, new long[] { 2, 4 } },
        new object[] { "matmul", new long[] { 2, 3 }, new long[] { 4, 5 } },
        new object[] { "bmm", new long[] { 2, 2, 3 }, new long[] { 2, 4, 5 } },
        new object[] { "cat", new long[] { 2, 3 }, new long[] { 2, 4 } },
        new object[] { "stack", new long[] { 2, 3 }, new long[] { 3, 2 } },
        new object[] { "linear", new long[] { 2, 3 }, new long[] { 4, 5 } },
        new object[] { "where", new long[] { 2, 3 }, new long[] { 4, 5 } },
        new object[] { "lt", new long[] { 3 }, new long[] { 4 } },
    };

    [Theory]
    [MemberData(nameof(ShapeMismatches))]
    public void ShapeMismatchNamesOpAndShapes(string op, long[] sa, long[] sb)
    {
        using var scope = NewDisposeScope();
        var a = zeros(sa);
        var b = zeros(sb);
        Action act = op switch
        {
            "add" => () => _ = a + b,
            "mul" => () => _ = a * b,
            "matmul" => () => a.matmul(b),
            "bmm" => () => a.bmm(b),
            "cat" => () => cat(new[] { a, b }, 0),
            "stack" => () => stack(new[] { a, b }),
            "linear" => () => F.linear(a, b),
            "where" => () => where(a.gt(0), a, b),
            "lt" => () => _ = a < b,
            _ => throw new ArgumentException(op),
        };
        var e = Assert.Throws<TorchException>(act);
        Assert.StartsWith(op, e.Message);
        Assert.Contains("[" + string.Join(", ", sa) + "]", e.Message);
        Assert.Contains("[" + string.Join(", ", sb) + "]", e.Message);
        Assert.False(string.IsNullOrWhiteSpace(e.NativeMessage));
        Healthy();
    }

    [Fact]
    public void OtherNativeErrorsAreExceptions()
    {
        using var scope = NewDisposeScope();
        var x = zeros(2, 3);
        Assert.Contains("[2, 3]", Assert.Throws<TorchException>(() => x.reshape(4, 2)).Message);
        Assert.Contains("[2, 3]", Assert.Throws<TorchException>(() => x.view(5)).Message);
        Assert.Throws<TorchException>(() => x.index_select(0, tensor(new long[] { 7 })));   // index out of range
        Assert.Throws<TorchException>(() => x.index_select(0, tensor(new float[] { 0 })));  // float index
        Assert.Throws<TorchException>(() => x.permute(0));
        Assert.Throws<TorchException>(() => x.transpose(0, 5));
        Assert.Throws<TorchException>(() => x.narrow(1, 2, 5));
        Assert.Throws<TorchException>(() => F.embedding(tensor(new long[] { 9 }), x));
        Assert.Throws<TorchException>(() => F.cross_entropy(x, tensor(new long[] { 0, 3 })));
        Assert.Throws<TorchException>(() => x.sum().backward());                            // no grad_fn
        Assert.Throws<TorchException>(() => cat(Array.Empty<Tensor>()));
        Assert.Throws<TorchException>(() => x.split(0, 1));
        var e = Assert.Throws<TorchException>(() => x.item<float>());
        Assert.Contains("6 elements", e.Message);
        Assert.Throws<TorchException>(() => frombuffer(new byte[5], new long[] { 2 }, ScalarType.Float32));
        Healthy();
    }

    [Fact]
    public void UseAfterDisposeIsObjectDisposed()
    {
        var t = ones(3);
        var other = ones(3);
        t.Dispose();
        t.Dispose();                                     // twice is fine
        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.sum());
        Assert.Throws<ObjectDisposedException>(() => t.shape);
        Assert.Throws<ObjectDisposedException>(() => t.ToArray<float>());
        Assert.Throws<ObjectDisposedException>(() => other + t);
        Assert.Throws<ObjectDisposedException>(() => cat(new[] { other, t }));
        Assert.Throws<ObjectDisposedException>(() => F.linear(other.unsqueeze(0), other.unsqueeze(0), t));
        Assert.Equal("Tensor(disposed)", t.ToString());
        Tensor scoped;
        using (NewDisposeScope()) scoped = ones(2) * 2;
        Assert.Throws<ObjectDisposedException>(() => scoped.item<float>());
        var g = new Generator(1);
        g.Dispose();
        Assert.Throws<ObjectDisposedException>(() => randn(new long[] { 2 }, g));
        other.Dispose();
        Healthy();
    }

    [Fact]
    public void WrongElementTypeReadsThrow()
    {
        using var scope = NewDisposeScope();
        var f = ones(3);
        Assert.Contains("float32", Assert.Throws<ArgumentException>(() => f.ToArray<int>()).Message);
        Assert.Throws<ArgumentException>(() => f.ToArray<double>());
        Assert.Throws<ArgumentException>(() => f.ToArray<long>());
        Assert.Throws<ArgumentException>(() => ones(new long[] { 2 }, ScalarType.Int64).ToArray<double>());
        Assert.Throws<ArgumentException>(() => ones(new long[] { 2 }, ScalarType.BFloat16).ToArray<Half>());
        Assert.Throws<ArgumentException>(() => ones(new long[] { 2 }, ScalarType.Int32).ToArray<float>());
        Assert.Throws<ArgumentException>(() => f.CopyTo(new int[3].AsSpan()));
        Assert.Throws<ArgumentException>(() => f.CopyTo(new float[4].AsSpan()));
        Assert.Throws<NotSupportedException>(() => tensor(new ulong[] { 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.size(3));
        Healthy();
    }

    [Fact]
    public void ManyFailuresInARowLeaveNoStaleError()
    {
        using var scope = NewDisposeScope();
        var a = zeros(2, 3);
        for (var i = 0; i < 50; i++)                      // each LibTorch error captures a backtrace: keep it short
            Assert.Throws<TorchException>(() => a.matmul(a));
        // A successful call after failures returns normally and reports no leftover message.
        Assert.Null(ones(2).grad);
        Healthy();
    }
}
