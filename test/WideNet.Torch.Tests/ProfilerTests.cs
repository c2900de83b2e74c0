// Proves the autograd profiler binding: a recording between start and stop is written as a Chrome trace that names
// the operators run, forward and backward; a second start while recording and a stop without a start are .NET
// exceptions, not crashes. The profiler is process-wide, so these run alone.
using System.Text.Json;
using WideNet.Torch;
using static WideNet.Torch.torch;

namespace WideNet.Torch.Tests;

[Collection(GlobalStateCollection.Name)]
public class ProfilerTests
{
    [Fact]
    public void RecordsForwardAndBackwardOperatorsAsChromeTrace()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wn-profile-{Guid.NewGuid():N}.json");
        try
        {
            autograd.profiler.start(path);
            using (var scope = NewDisposeScope())
            {
                var a = randn(new long[] { 8, 8 }).requires_grad_();
                var loss = matmul(a, a).softmax(-1).sum();
                loss.backward();
            }
            autograd.profiler.stop();

            using var trace = JsonDocument.Parse(File.ReadAllText(path));
            var root = trace.RootElement;
            var events = root.ValueKind == JsonValueKind.Array ? root : root.GetProperty("traceEvents");
            var names = events.EnumerateArray().Where(e => e.TryGetProperty("name", out _)).Select(e => e.GetProperty("name").GetString()!).ToList();
            Assert.Contains(names, n => n.Contains("matmul") || n.Contains("mm"));
            Assert.Contains(names, n => n.Contains("softmax"));
            Assert.Contains(names, n => n.Contains("Backward"));          // autograd nodes of the backward pass
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MisuseIsAnException()
    {
        var ex = Assert.Throws<TorchException>(() => autograd.profiler.stop());
        Assert.Contains("not recording", ex.Message);
        var path = Path.Combine(Path.GetTempPath(), $"wn-profile-{Guid.NewGuid():N}.json");
        autograd.profiler.start(path);
        try
        {
            Assert.Contains("already recording", Assert.Throws<TorchException>(() => autograd.profiler.start(path)).Message);
        }
        finally
        {
            autograd.profiler.stop();
            File.Delete(path);
        }
    }
}
