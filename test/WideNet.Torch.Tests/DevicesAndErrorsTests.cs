using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Torch.Tests;

// Proves the CUDA-facing API compiles and behaves on a CPU-only LibTorch (clear errors where a GPU is needed, state
// switches that round-trip), autocast/no_grad/inference scopes nest and restore, dtypes convert, and native errors
// become .NET exceptions that name the op and shapes without ending the process.
public class DevicesAndErrorsTests
{
    [Fact]
    public void CudaQueriesOnCpuBuild()
    {
        if (cuda.is_available()) return; // exercised for real on a GPU machine
        Assert.Equal(0, cuda.device_count());
        var e = Assert.Throws<TorchException>(() => cuda.synchronize());
        Assert.Contains("CUDA is not available", e.Message);
        Assert.Throws<TorchException>(() => cuda.max_memory_allocated());
        Assert.Throws<TorchException>(() => ones(2).cuda());
        Assert.Equal(Device.CPU, ones(2).device);
    }

    [Fact]
    public void SyncDebugModeAndTf32RoundTrip()
    {
        cuda.set_sync_debug_mode(2);
        Assert.Equal(2, cuda.get_sync_debug_mode());
        cuda.set_sync_debug_mode(0);
        Assert.Equal(0, cuda.get_sync_debug_mode());
        Assert.Throws<TorchException>(() => cuda.set_sync_debug_mode(7));
        var before = cuda.allow_tf32;
        cuda.allow_tf32 = true;
        Assert.True(cuda.allow_tf32);
        cuda.allow_tf32 = false;
        Assert.False(cuda.allow_tf32);
        cuda.allow_tf32 = before;
    }

    [Fact]
    public void AutocastScopeCastsMatmulAndNests()
    {
        using var scope = NewDisposeScope();
        var a = randn(4, 4);
        Assert.False(is_autocast_enabled(DeviceType.CPU));
        using (autocast(DeviceType.CPU, ScalarType.BFloat16))
        {
            Assert.True(is_autocast_enabled(DeviceType.CPU));
            Assert.Equal(ScalarType.BFloat16, a.matmul(a).dtype);
            using (autocast(DeviceType.CPU, ScalarType.BFloat16)) Assert.Equal(ScalarType.BFloat16, F.linear(a, a).dtype);
            Assert.True(is_autocast_enabled(DeviceType.CPU));
        }
        Assert.False(is_autocast_enabled(DeviceType.CPU));
        Assert.Equal(ScalarType.Float32, a.matmul(a).dtype);
    }

    [Fact]
    public void GradScopesRestoreState()
    {
        using var scope = NewDisposeScope();
        var x = ones(2).requires_grad_();
        Assert.True(is_grad_enabled());
        using (no_grad())
        {
            Assert.False(is_grad_enabled());
            Assert.False((x * 2).requires_grad);
            using (enable_grad()) Assert.True((x * 2).requires_grad);
        }
        Assert.True((x * 2).requires_grad);
        using (inference_mode())
        {
            Assert.True(is_inference_mode_enabled());
            Assert.False((x * 2).requires_grad);
        }
        Assert.False(is_inference_mode_enabled());
    }

    [Fact]
    public void DtypesConvertAndCopyToArrays()
    {
        using var scope = NewDisposeScope();
        var f = tensor(new float[] { 1.5f, -2f, 3f });
        Assert.Equal(new double[] { 1.5, -2, 3 }, f.to(ScalarType.Float64).ToArray<double>());
        Assert.Equal(new long[] { 1, -2, 3 }, f.to(ScalarType.Int64).ToArray<long>());
        Assert.Equal(new[] { 1, -2, 3 }, f.to(ScalarType.Int32).ToArray<int>());
        Assert.Equal(new[] { true, true, true }, f.to(ScalarType.Bool).ToArray<bool>());
        Assert.Equal(new byte[] { 1, 254, 3 }, f.to(ScalarType.UInt8).ToArray<byte>());
        Assert.Equal(new[] { (Half)1.5f, (Half)(-2f), (Half)3f }, f.to(ScalarType.Float16).ToArray<Half>());
        // bfloat16 has no .NET type: its raw bits are the upper half of the float32 bits.
        var bits = f.to(ScalarType.BFloat16).ToArray<ushort>();
        Assert.Equal(new[] { 1.5f, -2f, 3f }, bits.Select(b => BitConverter.Int32BitsToSingle(b << 16)).ToArray());
        Assert.Equal(new float[] { 0, 2, 4 }, arange(0, 5, 2, ScalarType.Float32).ToArray<float>());
        Assert.Equal(new float[] { 7, 7 }, full(new long[] { 2 }, 7).ToArray<float>());
        Assert.Equal(new long[] { 2, 3 }, zeros(new long[] { 2, 3 }, ScalarType.Int64).shape);
        Assert.Equal(ScalarType.Bool, ones(new long[] { 1 }, ScalarType.Bool).dtype);
        var span = new float[3];
        f.CopyTo<float>(span);
        Assert.Equal(f.ToArray<float>(), span);
        Assert.Throws<ArgumentException>(() => f.ToArray<double>());
        Assert.Equal(2L, (ones(new long[] { 2 }, ScalarType.Int64) + 1).ToArray<long>()[0]);
        Assert.Equal(ScalarType.Int64, (ones(new long[] { 2 }, ScalarType.Int64) + 1).dtype);
        Assert.Equal(ScalarType.Float32, (ones(new long[] { 2 }, ScalarType.Int64) + 0.5).dtype);
    }

    [Fact]
    public void NativeErrorsBecomeExceptionsNamingShapes()
    {
        using var scope = NewDisposeScope();
        var a = zeros(2, 3);
        var e = Assert.Throws<TorchException>(() => a + zeros(4, 5));
        Assert.Contains("add", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
        Assert.Throws<TorchException>(() => a.view(7));
        Assert.Throws<TorchException>(() => a.index_select(0, tensor(new long[] { 5 })));
        Assert.Throws<TorchException>(() => cat(new[] { zeros(2, 3), zeros(2, 4) }, 0));
        Assert.Throws<TorchException>(() => F.cross_entropy(zeros(3, 4), tensor(new long[] { 9, 0, 1 })));
        Assert.Throws<TorchException>(() => tensor(new float[] { 1, 2 }, 3));
        Assert.Contains("does not require grad", Assert.Throws<TorchException>(() => ones(2).sum().backward()).Message);
        Assert.Throws<TorchException>(() => ones(3).item<float>());
        Assert.NotEmpty(version);
        // The process and the binding are fine afterwards.
        Assert.Equal(6f, ones(2, 3).sum().item<float>());
    }

    [Fact]
    public void DisposedTensorsAndScopesBehave()
    {
        var t = ones(2);
        t.Dispose();
        t.Dispose(); // twice is fine
        Assert.Throws<ObjectDisposedException>(() => t.shape);
        Assert.Throws<ObjectDisposedException>(() => t + 1);
        Assert.Contains("disposed", t.ToString());
        var outer = NewDisposeScope();
        var inner = NewDisposeScope();
        Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        inner.Dispose();
        outer.Dispose();
    }
}
