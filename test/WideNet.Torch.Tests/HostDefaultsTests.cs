// Proves the process settings applied before LibTorch loads: the plan fills only what the environment leaves unset,
// the opt-out applies nothing, and in this (test) process the variables really reached the native environment that
// libgomp and OpenBLAS read.
using WideNet.Torch;

namespace WideNet.Torch.Tests;

public class HostDefaultsTests
{
    [Fact]
    public void PlanFillsOnlyWhatTheEnvironmentLeavesUnset()
    {
        var all = HostDefaults.Plan(_ => null);
        Assert.Equal("PASSIVE", all["OMP_WAIT_POLICY"]);
        Assert.Equal("4", all["OPENBLAS_THREAD_TIMEOUT"]);
        Assert.Equal((32 << 20).ToString(), all["malloc:M_MMAP_THRESHOLD"]);
        Assert.Equal((1 << 30).ToString(), all["malloc:M_TRIM_THRESHOLD"]);

        var user = new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "ACTIVE", ["GLIBC_TUNABLES"] = "glibc.malloc.mmap_threshold=65536" };
        var plan = HostDefaults.Plan(n => user.GetValueOrDefault(n));
        Assert.False(plan.ContainsKey("OMP_WAIT_POLICY"));
        Assert.False(plan.ContainsKey("malloc:M_MMAP_THRESHOLD"));
        Assert.True(plan.ContainsKey("malloc:M_TRIM_THRESHOLD"));
        Assert.True(plan.ContainsKey("OPENBLAS_THREAD_TIMEOUT"));

        Assert.Empty(HostDefaults.Plan(n => n == HostDefaults.OptOutVariable ? "0" : null));
    }

    [Fact]
    public void AppliedBeforeLibTorchLoaded()
    {
        _ = torch.version;                                   // loads the native library (if no test did yet)
        var expected = HostDefaults.Plan(Environment.GetEnvironmentVariable);
        Assert.Equal(expected.OrderBy(kv => kv.Key), HostDefaults.Applied.OrderBy(kv => kv.Key));
        foreach (var (name, value) in HostDefaults.Applied.Where(kv => !kv.Key.StartsWith("malloc:")))
            Assert.Equal(value, HostDefaults.GetNativeEnvironmentVariable(name));
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null && Environment.GetEnvironmentVariable(HostDefaults.OptOutVariable) != "0")
            Assert.Equal("PASSIVE", HostDefaults.GetNativeEnvironmentVariable("OMP_WAIT_POLICY"));
    }
}
