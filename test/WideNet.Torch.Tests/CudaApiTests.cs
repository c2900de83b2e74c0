// Proves the CUDA-facing API is compiled in and behaves sensibly on a CPU-only LibTorch: is_available() is false,
// device_count() is 0, synchronize and memory statistics throw TorchException saying CUDA is unavailable,
// sync-debug mode and allow_tf32 round-trip, autocast on CPU with bfloat16 makes matmul/linear produce bfloat16
// inside the scope and float32 outside, nested scopes restore state. (On a CUDA build these checks adapt.)
using WideNet.Torch;
using static WideNet.Torch.torch;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Torch.Tests;

[Collection(GlobalStateCollection.Name)]
public class CudaApiTests
{
    [Fact]
    public void DeviceQueriesOnCpuBuild()
    {
        if (cuda.is_available())
        {
            Assert.True(cuda.device_count() > 0);
            Assert.True(cuda.is_compiled());
            return;
        }
        Assert.Equal(0, cuda.device_count());
        foreach (var act in new Action[]
                 {
                     () => cuda.synchronize(), () => cuda.memory_allocated(), () => cuda.max_memory_allocated(),
                     () => cuda.memory_reserved(), () => cuda.reset_peak_memory_stats(),
                 })
        {
            var e = Assert.Throws<TorchException>(act);
            Assert.Contains("CUDA is not available", e.Message);
            Assert.StartsWith("cuda.", e.Message);
        }
        cuda.empty_cache();                               // nothing cached: a no-op, not an error
        using var t = ones(2);
        Assert.Throws<TorchException>(() => t.cuda());
        Assert.Equal(Device.CPU, t.device);
        Assert.Equal("cuda:1", Device.Parse("cuda:1").ToString());
        Assert.Throws<FormatException>(() => Device.Parse("gpu"));
    }

    [Fact]
    public void SyncDebugModeAndTf32RoundTrip()
    {
        var mode = cuda.get_sync_debug_mode();
        var tf32 = cuda.allow_tf32;
        try
        {
            foreach (var m in new[] { 1, 2, 0 })
            {
                cuda.set_sync_debug_mode(m);
                Assert.Equal(m, cuda.get_sync_debug_mode());
            }
            Assert.Contains("sync debug mode", Assert.Throws<TorchException>(() => cuda.set_sync_debug_mode(3)).Message);
            cuda.allow_tf32 = true;
            Assert.True(cuda.allow_tf32);
            cuda.allow_tf32 = false;
            Assert.False(cuda.allow_tf32);
            backends.set_cudnn_benchmark(false);
        }
        finally
        {
            cuda.set_sync_debug_mode(mode);
            cuda.allow_tf32 = tf32;
        }
    }

    [Fact]
    public void AutocastOnCpuWithBFloat16()
    {
        using var scope = NewDisposeScope();
        var a = randn(new long[] { 4, 8 }, new Generator(1));
        var b = randn(new long[] { 8, 3 }, new Generator(2));
        var w = randn(new long[] { 5, 8 }, new Generator(3));
        Assert.False(is_autocast_enabled(DeviceType.CPU));
        Assert.Equal(ScalarType.Float32, a.matmul(b).dtype);
        using (autocast(DeviceType.CPU, ScalarType.BFloat16))
        {
            Assert.True(is_autocast_enabled(DeviceType.CPU));
            Assert.False(is_autocast_enabled(DeviceType.CUDA));
            var m = a.matmul(b);
            Assert.Equal(ScalarType.BFloat16, m.dtype);
            Assert.Equal(ScalarType.BFloat16, F.linear(a, w).dtype);
            // bfloat16 result close to the float32 one.
            Assert.True(m.to(ScalarType.Float32).allclose(a.matmul(b).to(ScalarType.Float32), 0.05, 0.1));
            using (autocast(DeviceType.CPU, ScalarType.BFloat16))
                Assert.True(is_autocast_enabled(DeviceType.CPU));
            Assert.True(is_autocast_enabled(DeviceType.CPU));   // the inner scope restored, not cleared
            Assert.Equal(ScalarType.BFloat16, a.matmul(b).dtype);
        }
        Assert.False(is_autocast_enabled(DeviceType.CPU));
        Assert.Equal(ScalarType.Float32, a.matmul(b).dtype);
        var s = autocast(DeviceType.CPU, ScalarType.BFloat16);
        s.Dispose();
        s.Dispose();                                        // disposing twice does not disturb the state
        Assert.False(is_autocast_enabled(DeviceType.CPU));
    }

    [Fact]
    public void AutocastIsPerThread()
    {
        using (autocast(DeviceType.CPU, ScalarType.BFloat16))
        {
            var other = true;
            var thread = new Thread(() => other = is_autocast_enabled(DeviceType.CPU));
            thread.Start();
            thread.Join();
            Assert.False(other);
        }
    }
}
