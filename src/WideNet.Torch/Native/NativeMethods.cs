using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace WideNet.Torch.Native;

/// <summary>Entry points of libwidenet_native (native/src). Conventions are described in native/src/common.h.</summary>
internal static partial class NativeMethods
{
    internal const string Lib = "widenet_native";

    /// <summary>Environment variable naming the native library's full path (e.g. one built on a GPU machine).</summary>
    internal const string LibraryPathVariable = "WIDENET_NATIVE_LIB";

    [ModuleInitializer]
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib) return IntPtr.Zero;
        HostDefaults.Apply();   // before LibTorch, libgomp and OpenBLAS are loaded: they read their settings then
        var explicitPath = Environment.GetEnvironmentVariable(LibraryPathVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            if (!File.Exists(explicitPath))
                throw new DllNotFoundException($"{LibraryPathVariable}={explicitPath}: no such file.");
            return NativeLibrary.Load(explicitPath);
        }
        foreach (var dir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(assembly.Location) })
        {
            if (string.IsNullOrEmpty(dir)) continue;
            var candidate = Path.Combine(dir, "libwidenet_native.so");
            if (File.Exists(candidate)) return NativeLibrary.Load(candidate);
        }
        if (NativeLibrary.TryLoad("libwidenet_native.so", assembly, path, out var handle)) return handle;
        throw new DllNotFoundException(
            "libwidenet_native.so was not found beside the application. Build it with `dotnet build` " +
            $"(needs cmake and LibTorch: build/run.sh setup), or set {LibraryPathVariable} to its path.");
    }

    // ---- errors and lifetime ----
    [DllImport(Lib)] internal static extern IntPtr wn_last_error();
    [DllImport(Lib)] internal static extern void wn_clear_error();
    [DllImport(Lib)] internal static extern IntPtr wn_torch_version();
    [DllImport(Lib)] internal static extern void wn_free(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr wn_alias(TensorHandle t);

    // ---- properties ----
    [DllImport(Lib)] internal static extern int wn_dim(TensorHandle t);
    [DllImport(Lib)] internal static extern unsafe int wn_shape(TensorHandle t, long* dst, int capacity);
    [DllImport(Lib)] internal static extern unsafe int wn_strides(TensorHandle t, long* dst, int capacity);
    [DllImport(Lib)] internal static extern long wn_numel(TensorHandle t);
    [DllImport(Lib)] internal static extern int wn_dtype(TensorHandle t);
    [DllImport(Lib)] internal static extern int wn_device_type(TensorHandle t);
    [DllImport(Lib)] internal static extern int wn_device_index(TensorHandle t);
    [DllImport(Lib)] internal static extern int wn_is_contiguous(TensorHandle t);
    [DllImport(Lib)] internal static extern int wn_requires_grad(TensorHandle t);
    [DllImport(Lib)] internal static extern int wn_is_leaf(TensorHandle t);
    [DllImport(Lib)] internal static extern int wn_same_storage(TensorHandle a, TensorHandle b);
    [DllImport(Lib)] internal static extern int wn_item(TensorHandle t, out double value);

    // ---- generators, seeds, threads ----
    [DllImport(Lib)] internal static extern IntPtr wn_generator_new(ulong seed);
    [DllImport(Lib)] internal static extern void wn_generator_free(IntPtr g);
    [DllImport(Lib)] internal static extern int wn_manual_seed(ulong seed);
    [DllImport(Lib)] internal static extern int wn_set_num_threads(int n);
    [DllImport(Lib)] internal static extern int wn_get_num_threads();
    [DllImport(Lib)] internal static extern int wn_set_num_interop_threads(int n);

    // ---- creation ----
    [DllImport(Lib)] internal static extern unsafe IntPtr wn_empty(long* shape, int n, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe IntPtr wn_zeros(long* shape, int n, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe IntPtr wn_ones(long* shape, int n, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe IntPtr wn_full(long* shape, int n, double value, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern IntPtr wn_arange(double start, double end, double step, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe IntPtr wn_rand(long* shape, int n, IntPtr gen, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe IntPtr wn_randn(long* shape, int n, IntPtr gen, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe IntPtr wn_randint(long low, long high, long* shape, int n, IntPtr gen, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern IntPtr wn_randperm(long n, IntPtr gen, int dt, int di);
    [DllImport(Lib)] internal static extern int wn_normal_(TensorHandle t, double mean, double std, IntPtr gen);
    [DllImport(Lib)] internal static extern int wn_uniform_(TensorHandle t, double from, double to, IntPtr gen);
    [DllImport(Lib)] internal static extern int wn_bernoulli_(TensorHandle t, double p, IntPtr gen);
    [DllImport(Lib)] internal static extern unsafe IntPtr wn_from_data(void* data, long nbytes, long* shape, int n, int dtype);
    [DllImport(Lib)] internal static extern unsafe int wn_copy_to_host(TensorHandle t, void* dst, long nbytes);

    // ---- conversion ----
    [DllImport(Lib)] internal static extern IntPtr wn_to(TensorHandle t, int dtype, int dt, int di, int nonBlocking, int copy);
    [DllImport(Lib)] internal static extern IntPtr wn_to_dtype(TensorHandle t, int dtype);
    [DllImport(Lib)] internal static extern IntPtr wn_clone(TensorHandle t);
    [DllImport(Lib)] internal static extern IntPtr wn_contiguous(TensorHandle t);
    [DllImport(Lib)] internal static extern IntPtr wn_pin_memory(TensorHandle t);
}
