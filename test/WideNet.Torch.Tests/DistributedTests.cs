// c10d process groups on loopback: two ranks of one process (threads) meet through a TCP store and run Gloo's
// collectives; a rank that never arrives or leaves makes the other fail with a message naming it, not hang.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WideNet.Torch;
using static WideNet.Torch.torch;
using D = WideNet.Torch.torch.distributed;

namespace WideNet.Torch.Tests;

public class DistributedTests
{
    internal static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Runs <paramref name="body"/> on ranks 0..size-1 of one fresh group, one thread each.</summary>
    static T[] Ranks<T>(int size, Func<D.ProcessGroup, T> body, TimeSpan? timeout = null)
    {
        var port = FreePort();
        var results = new T[size];
        var tasks = Enumerable.Range(0, size).Select(r => Task.Factory.StartNew(() =>
        {
            using var g = D.init_process_group("gloo", "127.0.0.1", port, size, r, timeout ?? TimeSpan.FromSeconds(30));
            results[r] = body(g);
        }, TaskCreationOptions.LongRunning)).ToArray();
        Assert.True(Task.WaitAll(tasks, TimeSpan.FromSeconds(60)), "the ranks did not finish");
        return results;
    }

    [Fact]
    public void TheBuildHasGloo() => Assert.True(D.is_gloo_available(), "libwidenet_native was built without Gloo (libgloo-dev)");

    [Fact]
    public void AllReduceBroadcastAndBarrierCombineTheRanks()
    {
        var results = Ranks(2, g =>
        {
            using var scope = NewDisposeScope();
            var sum = tensor(new float[] { g.Rank + 1, 10 * (g.Rank + 1) });
            var avg = tensor(new float[] { g.Rank + 1, 3 });
            var max = tensor(new float[] { g.Rank, -g.Rank });
            var b = tensor(new float[] { g.Rank * 7 + 1, g.Rank });
            var works = new[] { g.all_reduce(sum), g.all_reduce(avg, D.ReduceOp.AVG), g.all_reduce(max, D.ReduceOp.MAX), g.broadcast(b, src: 1) };
            foreach (var w in works) { w.wait(); w.Dispose(); }
            using (var w = g.barrier()) w.wait();
            return (g.Rank, g.WorldSize, sum: sum.ToArray<float>(), avg: avg.ToArray<float>(), max: max.ToArray<float>(), b: b.ToArray<float>());
        });
        foreach (var r in results)
        {
            Assert.Equal(2, r.WorldSize);
            Assert.Equal(new float[] { 3, 30 }, r.sum);
            Assert.Equal(new float[] { 1.5f, 3 }, r.avg);
            Assert.Equal(new float[] { 1, 0 }, r.max);
            Assert.Equal(new float[] { 8, 1 }, r.b);        // rank 1's values everywhere
        }
        Assert.Equal(new[] { 0, 1 }, results.Select(r => r.Rank).ToArray());
    }

    [Fact]
    public void SeveralTensorsOfOneCallAreReducedTogether()
    {
        var results = Ranks(2, g =>
        {
            using var scope = NewDisposeScope();
            var ts = new[] { ones(3, 2) * (g.Rank + 1), arange(0, 4, 1, ScalarType.Float32) * g.Rank };
            using var w = g.all_reduce(ts);
            w.wait();
            Assert.True(w.is_completed());
            return ts.Select(t => t.ToArray<float>()).ToArray();
        });
        foreach (var r in results)
        {
            Assert.All(r[0], v => Assert.Equal(3f, v));
            Assert.Equal(new float[] { 0, 1, 2, 3 }, r[1]);
        }
    }

    [Fact]
    public void ARankThatNeverArrivesFailsTheRendezvousWithinTheTimeoutNamingTheGroup()
    {
        var port = FreePort();
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<TorchException>(() => D.init_process_group("gloo", "127.0.0.1", port, 2, 0, TimeSpan.FromSeconds(2)));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
        Assert.Contains("rank 0 of 2", e.Message);
        Assert.Contains($"127.0.0.1:{port}", e.Message);
    }

    [Fact]
    public async Task APeerThatLeavesMakesTheNextCollectiveFailInsteadOfHanging()
    {
        var port = FreePort();
        var left = new ManualResetEventSlim();
        Exception? seen = null;
        var sw = new Stopwatch();
        var t0 = Task.Factory.StartNew(() =>
        {
            using var g = D.init_process_group("gloo", "127.0.0.1", port, 2, 0, TimeSpan.FromSeconds(3));
            using var x = ones(4);
            g.all_reduce(x).wait();
            left.Wait();
            sw.Start();
            try { g.all_reduce(x).wait(); }
            catch (Exception e) { seen = e; }
            sw.Stop();
        }, TaskCreationOptions.LongRunning);
        var t1 = Task.Factory.StartNew(() =>
        {
            using (var g = D.init_process_group("gloo", "127.0.0.1", port, 2, 1, TimeSpan.FromSeconds(3)))
            {
                using var x = ones(4);
                g.all_reduce(x).wait();
            }
            left.Set();
        }, TaskCreationOptions.LongRunning);
        var both = Task.WhenAll(t0, t1);
        Assert.True(await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(60))) == both, "hung");
        var e = Assert.IsType<TorchException>(seen);
        Assert.Contains("rank 0 of 2 (gloo)", e.Message);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"took {sw.Elapsed}");
    }

    [Fact]
    public void ArgumentsAndTheEnvironmentAreChecked()
    {
        Assert.Throws<ArgumentException>(() => D.init_process_group("mpi", "127.0.0.1", 1, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => D.init_process_group("gloo", "127.0.0.1", 1, 2, 2));
        if (Environment.GetEnvironmentVariable("MASTER_ADDR") is null)
        {
            var e = Assert.Throws<InvalidOperationException>(() => D.init_process_group("gloo"));
            Assert.Contains("MASTER_ADDR", e.Message);
        }
        // a world of one needs no peer
        using var g = D.init_process_group("gloo", "127.0.0.1", FreePort(), 1, 0);
        using var x = tensor(new float[] { 2, 4 });
        g.all_reduce(x, D.ReduceOp.AVG).wait();
        Assert.Equal(new float[] { 2, 4 }, x.ToArray<float>());
    }
}
