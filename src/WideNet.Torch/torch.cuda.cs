using static WideNet.Torch.Native.Check;
using N = WideNet.Torch.Native.NativeMethods;

namespace WideNet.Torch;

public static partial class torch
{
    /// <summary>torch.cuda: device queries, synchronisation, memory statistics and CUDA math settings.
    /// Everything here compiles and runs against a CPU LibTorch; calls that need a GPU throw a clear
    /// <see cref="TorchException"/> when none is present.</summary>
    public static class cuda
    {
        /// <summary>True when the LibTorch build has CUDA and a GPU is visible.</summary>
        public static bool is_available() => N.wn_cuda_is_available() != 0;
        /// <summary>Number of visible GPUs (0 without CUDA).</summary>
        public static int device_count() => N.wn_cuda_device_count();
        /// <summary>True when the native library was compiled against a CUDA LibTorch.</summary>
        public static bool is_compiled() => N.wn_cuda_compiled() != 0;
        /// <summary>Waits for all work queued on <paramref name="device"/>.</summary>
        public static void synchronize(int device = 0) => Status(N.wn_cuda_synchronize(device), "cuda.synchronize");
        /// <summary>Bytes currently allocated by tensors on the device.</summary>
        public static long memory_allocated(int device = 0) => Stats(device)[0];
        /// <summary>Peak bytes allocated since start or the last <see cref="reset_peak_memory_stats"/>.</summary>
        public static long max_memory_allocated(int device = 0) => Stats(device)[1];
        /// <summary>Bytes held by the caching allocator.</summary>
        public static long memory_reserved(int device = 0) => Stats(device)[2];
        /// <summary>Resets the peak statistics.</summary>
        public static void reset_peak_memory_stats(int device = 0) => Status(N.wn_cuda_reset_peak_memory(device), "cuda.reset_peak_memory_stats");
        /// <summary>Returns cached, unused blocks to the driver.</summary>
        public static void empty_cache() => Status(N.wn_cuda_empty_cache(), "cuda.empty_cache");

        static unsafe long[] Stats(int device)
        {
            var s = new long[4];
            fixed (long* p = s) Status(N.wn_cuda_memory_stats(device, p), "cuda.memory_stats");
            return s;
        }

        /// <summary>Sync-debug mode (torch.cuda.set_sync_debug_mode): 0 off, 1 warn, 2 error whenever a CUDA op
        /// synchronises with the host. Used to prove that code paths never synchronise.</summary>
        public static void set_sync_debug_mode(int mode) => Status(N.wn_set_sync_debug_mode(mode), "cuda.set_sync_debug_mode");
        /// <summary>The current sync-debug mode.</summary>
        public static int get_sync_debug_mode() => N.wn_get_sync_debug_mode();

        /// <summary>Allows TF32 tensor cores for float32 matmuls and convolutions (Ampere and later).</summary>
        public static bool allow_tf32
        {
            get => N.wn_get_allow_tf32() != 0;
            set => Status(N.wn_set_allow_tf32(value ? 1 : 0), "cuda.allow_tf32");
        }
    }

    /// <summary>cuDNN settings.</summary>
    public static class backends
    {
        /// <summary>Lets cuDNN benchmark convolution algorithms for fixed input shapes.</summary>
        public static void set_cudnn_benchmark(bool on) => Status(N.wn_set_cudnn_benchmark(on ? 1 : 0), "cudnn.benchmark");
    }

    /// <summary>Runs eligible ops (matmul, linear, attention) in <paramref name="dtype"/> on <paramref name="device"/>
    /// until the returned scope is disposed (torch.autocast). Scopes nest.</summary>
    public static IDisposable autocast(DeviceType device = DeviceType.CUDA, ScalarType dtype = ScalarType.BFloat16) =>
        new AutocastScope(device, dtype);

    /// <summary>Whether autocast is on for <paramref name="device"/> on this thread.</summary>
    public static bool is_autocast_enabled(DeviceType device = DeviceType.CUDA) => N.wn_autocast_is_enabled((int)device) != 0;

    sealed class AutocastScope : IDisposable
    {
        readonly DeviceType _device;
        readonly int _previous;
        bool _done;
        public AutocastScope(DeviceType device, ScalarType dtype)
        {
            _device = device;
            _previous = Status(N.wn_autocast_enter((int)device, (int)dtype), "autocast");
        }
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            Status(N.wn_autocast_exit((int)_device, _previous), "autocast");
        }
    }
}
