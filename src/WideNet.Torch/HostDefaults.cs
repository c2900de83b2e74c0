using System.Runtime.InteropServices;

namespace WideNet.Torch;

/// <summary>
/// Process settings the binding applies once, just before LibTorch is loaded, because LibTorch's CPU defaults waste
/// small machines: OpenMP worker threads spin after every parallel region and OpenBLAS's threads spin on
/// <c>sched_yield</c> for ~0.1 s after every matrix product, so on a 2-core machine the two pools take turns burning
/// the cores the other needs; and glibc serves blocks from 128 KiB up from fresh mappings that it returns to the kernel
/// when freed, so every big activation of every step is page-faulted in again (expensive on a virtual machine: a
/// 38 MB tensor add measured 64 ms instead of 0.7 ms). With these defaults blocks up to 32 MiB (glibc's maximum
/// threshold) come from the heap, and up to 1 GiB of freed memory stays there for reuse.
/// *(choice: disabling mappings altogether (M_MMAP_MAX = 0) also covers larger blocks, but raised the peak memory of a
/// training run by 75% for no speed gain)* Measured on the 2-core build machine (docs/benchmarks.md) these settings cut a
/// WideNet training step by ~40%. A variable the user has set always wins; set <see cref="OptOutVariable"/> to
/// <c>0</c> to apply nothing.
/// </summary>
public static class HostDefaults
{
    /// <summary>Environment variable that turns these defaults off when set to <c>0</c>.</summary>
    public const string OptOutVariable = "WIDENET_HOST_DEFAULTS";

    /// <summary>Largest block glibc serves from its heap rather than a fresh mapping (its 64-bit maximum, 32 MiB).</summary>
    public const int MmapThresholdBytes = 32 << 20;
    /// <summary>Free memory glibc keeps at the top of its heap instead of returning it to the kernel (1 GiB).</summary>
    public const int TrimThresholdBytes = 1 << 30;

    static readonly Dictionary<string, string> applied = new();
    static int applying;

    /// <summary>What was applied in this process (empty before LibTorch is loaded, or when opted out): environment
    /// variable names with their values, and <c>malloc:M_MMAP_THRESHOLD</c> / <c>malloc:M_TRIM_THRESHOLD</c>.</summary>
    public static IReadOnlyDictionary<string, string> Applied => applied;

    /// <summary>The settings that would be applied given an environment: nothing when <see cref="OptOutVariable"/> is
    /// <c>0</c>; otherwise each default whose variable the environment does not already set.</summary>
    public static IReadOnlyDictionary<string, string> Plan(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var plan = new Dictionary<string, string>();
        if (environment(OptOutVariable) == "0") return plan;
        // OpenMP (LibTorch's intra-op pool): sleep when idle instead of spinning.
        if (environment("OMP_WAIT_POLICY") is null && environment("GOMP_SPINCOUNT") is null) plan["OMP_WAIT_POLICY"] = "PASSIVE";
        // OpenBLAS: idle threads sleep after 2^4 cycles instead of 2^28.
        if (environment("OPENBLAS_THREAD_TIMEOUT") is null && environment("GOTO_THREAD_TIMEOUT") is null) plan["OPENBLAS_THREAD_TIMEOUT"] = "4";
        // glibc malloc: keep freed activations in the heap for the next step (what PyTorch's GPU caching allocator does).
        var tunables = environment("GLIBC_TUNABLES") ?? "";
        if (environment("MALLOC_MMAP_THRESHOLD_") is null && !tunables.Contains("mmap_threshold"))
            plan["malloc:M_MMAP_THRESHOLD"] = MmapThresholdBytes.ToString();
        if (environment("MALLOC_TRIM_THRESHOLD_") is null && !tunables.Contains("trim_threshold"))
            plan["malloc:M_TRIM_THRESHOLD"] = TrimThresholdBytes.ToString();
        return plan;
    }

    /// <summary>Applies <see cref="Plan"/> for this process's environment. Called by the library resolver before
    /// the native library (and with it libgomp and OpenBLAS, which read their variables when loaded) is loaded.</summary>
    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref applying, 1) == 1) return;   // once per process
        foreach (var (name, value) in Plan(Environment.GetEnvironmentVariable))
        {
            var ok = name switch
            {
                "malloc:M_MMAP_THRESHOLD" => mallopt(M_MMAP_THRESHOLD, int.Parse(value)) == 1,
                "malloc:M_TRIM_THRESHOLD" => mallopt(M_TRIM_THRESHOLD, int.Parse(value)) == 1,
                _ => setenv(name, value, 0) == 0,   // the native environment (.NET's copy is not what C libraries read)
            };
            if (ok) applied[name] = value;
        }
    }

    /// <summary>A variable of the native process environment (what LibTorch, OpenMP and OpenBLAS see), or null.</summary>
    public static string? GetNativeEnvironmentVariable(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(getenv(name)) : Environment.GetEnvironmentVariable(name);
    }

    const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;
    [DllImport("libc.so.6")] static extern int mallopt(int param, int value);
    [DllImport("libc.so.6")] static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
    [DllImport("libc.so.6")] static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
