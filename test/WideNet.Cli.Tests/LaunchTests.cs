using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using WideNet.Torch;
using WideNet.Torch.Serialization;

namespace WideNet.Cli.Tests;

/// <summary>`widenet launch` and data-parallel training on loopback Gloo: 2 processes × half the batch give the weights
/// of 1 process × the whole batch; a failed or killed rank ends the group with an error, never a hang.</summary>
public class LaunchTests
{
    static string Apphost => Path.Combine(AppContext.BaseDirectory, "widenet");

    [Fact]
    public void LaunchSetsTorchrunsVariablesAndPrefixesEachLineWithTheRank()
    {
        var (code, stdout, err) = CliTests.Run("launch", "--nproc", "2", "--", "sh", "-c", "echo vars $RANK/$WORLD_SIZE/$LOCAL_RANK/$LOCAL_WORLD_SIZE/$MASTER_ADDR");
        Assert.True(code == 0, err);
        Assert.Contains("[rank 0] vars 0/2/0/2/127.0.0.1", stdout);
        Assert.Contains("[rank 1] vars 1/2/1/2/127.0.0.1", stdout);
        Assert.Contains("rendezvous 127.0.0.1:", err);
    }

    [Fact]
    public void WhenOneRankFailsTheOthersAreStoppedAndItsCodeIsReturned()
    {
        var sw = Stopwatch.StartNew();
        var (code, _, err) = CliTests.Run("launch", "--nproc", "2", "--", "sh", "-c", "if [ $RANK = 1 ]; then exit 3; fi; sleep 120");
        Assert.Equal(3, code);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
        Assert.Contains("rank 1 exited with code 3", err);
        Assert.Equal(2, CliTests.Run("launch", "--nproc", "2").code);                           // no command
        Assert.Equal(2, CliTests.Run("launch", "--nnodes", "2", "--", "true").code);           // no --master
    }

    static string[] Recipe(string arch, string data, string output, params string[] extra) => Recipe(arch, data, output, 2, extra);

    static string[] Recipe(string arch, string data, string output, int epochs, params string[] extra) =>
    [
        "train", "--task", "image", "--data", data, "--arch", arch, "--epochs", epochs.ToString(), "--batch-size", "12", "--lr", "1e-4", "--out", output,
        // what is equal across ranks only when off: dropout and router noise (random per rank), mixup (pairs within
        // each rank's share), capacity drops and expert choice over the smaller per-rank groups (generous capacity)
        "--set", "ValidationFraction=0", "--set", "Dropout=0", "--set", "RouterNoise=false", "--set", "MixupAlpha=0", .. extra,
    ];

    static Dictionary<string, float[]> Weights(string model)
    {
        using var zip = ZipFile.OpenRead(model);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith("weights.safetensors", StringComparison.Ordinal));
        using var ms = new MemoryStream();
        using (var s = entry.Open()) s.CopyTo(ms);
        var tensors = Safetensors.Deserialize(ms.ToArray(), out _);
        try { return tensors.Where(kv => kv.Value.dtype == ScalarType.Float32).ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>()); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    [Theory]
    [InlineData("widenet", "CapacityFactor=4")]        // top-k: room for every assignment; balance loss with the group's shares
    [InlineData("brainformer", "CapacityFactor=2")]    // expert choice: 2 experts × c 2 take every token of any group
    public void TwoProcessesWithHalfTheBatchTrainTheWeightsOfOneProcess(string arch, string capacity)
    {
        var root = Directory.CreateTempSubdirectory("widenet-dp").FullName;
        try
        {
            var data = CliTests.ImageFolder(Path.Combine(root, "data"), 12);
            var extra = arch == "brainformer" ? new[] { "--set", capacity, "--set", "NumExperts=2" } : new[] { "--set", capacity };
            var (code, stdout, err) = CliTests.Run(Recipe(arch, data, Path.Combine(root, "one.zip"), extra));
            Assert.True(code == 0, err + stdout);
            (code, stdout, err) = CliTests.Run([.. Recipe(arch, data, Path.Combine(root, "two.zip"), extra), "--nproc", "2"]);
            Assert.True(code == 0, err + stdout);
            Assert.Contains("[rank 0]   training on cpu, 2 ranks (gloo)", stdout);
            Assert.DoesNotContain("[rank 1] saved", stdout);                                   // rank 0 writes for the group
            var (one, two) = (Weights(Path.Combine(root, "one.zip")), Weights(Path.Combine(root, "two.zip")));
            Assert.Equal(one.Keys.Order(), two.Keys.Order());
            var worst = one.Max(kv => kv.Value.Zip(two[kv.Key], (a, b) => Math.Abs(a - b)).Max());
            Assert.True(worst <= 1e-5, $"largest weight difference {worst:G3}");

            // and the update really moved the weights: an untrained model is far from them
            (code, _, err) = CliTests.Run([.. Recipe(arch, data, Path.Combine(root, "other.zip"), extra), "--seed", "1"]);
            Assert.True(code == 0, err);
            var other = Weights(Path.Combine(root, "other.zip"));
            Assert.True(one.Max(kv => kv.Value.Zip(other[kv.Key], (a, b) => Math.Abs(a - b)).Max()) > 1e-2);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void AGroupKilledAfterACheckpointResumesToTheWeightsOfAnUninterruptedRun()
    {
        var root = Directory.CreateTempSubdirectory("widenet-dp-resume").FullName;
        try
        {
            var data = CliTests.ImageFolder(Path.Combine(root, "data"), 12);
            var checkpoints = Path.Combine(root, "ckpt");
            string[] Run(string output, params string[] extra) =>
                [.. Recipe("widenet", data, output, 40, ["--set", "CapacityFactor=4", .. extra]), "--nproc", "2"];
            var (code, stdout, err) = CliTests.Run(Run(Path.Combine(root, "full.zip")));
            Assert.True(code == 0, err + stdout);

            // the same run, its launcher and both ranks killed once a checkpoint is on disk
            var psi = new ProcessStartInfo(Apphost) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in Run(Path.Combine(root, "resumed.zip"), "--set", $"CheckpointDirectory={checkpoints}")) psi.ArgumentList.Add(a);
            using (var launcher = Process.Start(psi)!)
            {
                launcher.BeginOutputReadLine();
                launcher.BeginErrorReadLine();
                var sw = Stopwatch.StartNew();
                while (!Microsoft.ML.WideNet.Training.Checkpoint.Exists(checkpoints) && !launcher.HasExited && sw.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(10);
                Assert.False(launcher.HasExited, "the run ended before it could be killed");
                launcher.Kill(entireProcessTree: true);
                launcher.WaitForExit();
            }
            Assert.False(File.Exists(Path.Combine(root, "resumed.zip")));

            (code, stdout, err) = CliTests.Run(Run(Path.Combine(root, "resumed.zip"), "--set", $"CheckpointDirectory={checkpoints}"));
            Assert.True(code == 0, err + stdout);
            var resumed = System.Text.RegularExpressions.Regex.Match(stdout, @"resumed from .* at step (\d+)");
            Assert.True(resumed.Success, stdout);
            Assert.InRange(int.Parse(resumed.Groups[1].Value), 1, 40 * 3 - 1);
            var (full, again) = (Weights(Path.Combine(root, "full.zip")), Weights(Path.Combine(root, "resumed.zip")));
            var worst = full.Max(kv => kv.Value.Zip(again[kv.Key], (a, b) => Math.Abs(a - b)).Max());
            Assert.True(worst <= 1e-6, $"largest weight difference {worst:G3}");
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void AKilledRankMakesTheOtherFailWithinTheTimeoutNamingTheGroup()
    {
        var root = Directory.CreateTempSubdirectory("widenet-dp-kill").FullName;
        var procs = new List<Process>();
        var errors = new List<System.Text.StringBuilder>();
        try
        {
            var data = CliTests.ImageFolder(Path.Combine(root, "data"), 12);
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            var port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            var started = new ManualResetEventSlim();
            for (var rank = 0; rank < 2; rank++)
            {
                var psi = new ProcessStartInfo(Apphost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in Recipe("widenet", data, Path.Combine(root, "m.zip"), 500, "--set", "LogEverySteps=1")) psi.ArgumentList.Add(a);
                (psi.Environment["MASTER_ADDR"], psi.Environment["MASTER_PORT"], psi.Environment["WORLD_SIZE"]) = ("127.0.0.1", port.ToString(), "2");
                (psi.Environment["RANK"], psi.Environment["LOCAL_RANK"], psi.Environment["WIDENET_DIST_TIMEOUT"]) = (rank.ToString(), rank.ToString(), "10");
                psi.Environment["OMP_NUM_THREADS"] = "1";
                var p = Process.Start(psi)!;
                if (rank == 0) p.OutputDataReceived += (_, e) => { if (e.Data?.Contains("step ") == true) started.Set(); };
                p.BeginOutputReadLine();
                var err = new System.Text.StringBuilder();
                p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (err) err.AppendLine(e.Data); };
                p.BeginErrorReadLine();
                procs.Add(p);
                errors.Add(err);
            }
            Assert.True(started.Wait(TimeSpan.FromSeconds(60)), "training did not start");
            procs[1].Kill(entireProcessTree: true);
            var sw = Stopwatch.StartNew();
            Assert.True(procs[0].WaitForExit(TimeSpan.FromSeconds(40)), "rank 0 hung after rank 1 was killed");
            Assert.NotEqual(0, procs[0].ExitCode);
            string message;
            lock (errors[0]) message = errors[0].ToString();
            Assert.Contains("rank 0 of 2 (gloo)", message);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(40), $"took {sw.Elapsed}");
        }
        finally
        {
            foreach (var p in procs) { try { if (!p.HasExited) p.Kill(true); } catch (InvalidOperationException) { } p.Dispose(); }
            Directory.Delete(root, recursive: true);
        }
    }
}
