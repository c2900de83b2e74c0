using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace WideNet.Cli;

/// <summary>`widenet launch`: torchrun's semantics for our processes. Starts N local processes of a command with
/// MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK and LOCAL_WORLD_SIZE set, forwards their output line by line
/// with a rank prefix, and stops all of them when one fails (its exit code is the launcher's).</summary>
static class LaunchCommand
{
    public static Command Create()
    {
        var nproc = new Option<int>("--nproc") { Description = "processes on this machine", DefaultValueFactory = _ => 2 };
        var nnodes = new Option<int>("--nnodes") { Description = "machines in the run", DefaultValueFactory = _ => 1 };
        var nodeRank = new Option<int>("--node-rank") { Description = "this machine's index, 0..nnodes-1", DefaultValueFactory = _ => 0 };
        var master = new Option<string?>("--master") { Description = "HOST:PORT of rank 0's rendezvous (default 127.0.0.1 and a free port; required with --nnodes > 1)" };
        var timeout = new Option<int>("--timeout") { Description = "seconds a rank waits for the others before failing (WIDENET_DIST_TIMEOUT)", DefaultValueFactory = _ => 300 };
        var command = new Argument<string[]>("command") { Description = "the command each process runs (after --); `widenet` is this program", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("launch", "run a command as N data-parallel processes (torchrun's variables; Gloo on CPU, NCCL on GPU)")
        {
            nproc, nnodes, nodeRank, master, timeout, command,
        };
        cmd.SetAction(r => Run(r.GetValue(command)!, r.GetValue(nproc), r.GetValue(nnodes), r.GetValue(nodeRank), r.GetValue(master), r.GetValue(timeout)));
        return cmd;
    }

    /// <summary>True when a command given `--nproc <paramref name="nproc"/>` should run itself again under the launcher
    /// (more than one process asked for, and this process was not started by a launcher).</summary>
    public static bool Relaunches(int nproc) => nproc > 1 && Microsoft.ML.WideNet.Training.DistributedEnvironment.WorldSize <= 1;

    /// <summary>This command line, without its `--nproc`, as <paramref name="nproc"/> launched processes.</summary>
    public static int Relaunch(ParseResult r, int nproc) => Run(["widenet", .. WithoutOption(r.Tokens.Select(t => t.Value), "--nproc")], nproc);

    static IEnumerable<string> WithoutOption(IEnumerable<string> tokens, string name)
    {
        var skip = false;
        foreach (var t in tokens)
        {
            if (skip) { skip = false; continue; }
            if (t == name) { skip = true; continue; }
            if (t.StartsWith(name + "=", StringComparison.Ordinal)) continue;
            yield return t;
        }
    }

    /// <summary>Starts the processes, forwards their output and returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> command, int nproc, int nnodes = 1, int nodeRank = 0, string? master = null, int timeoutSeconds = 300)
    {
        if (command.Count == 0) throw new UsageException("launch: give the command after --, e.g. widenet launch --nproc 2 -- widenet train ...");
        if (nproc < 1) throw new UsageException("--nproc must be at least 1");
        if (nnodes < 1) throw new UsageException("--nnodes must be at least 1");
        if (nodeRank < 0 || nodeRank >= nnodes) throw new UsageException($"--node-rank {nodeRank} is outside 0..{nnodes - 1}");
        if (timeoutSeconds < 1) throw new UsageException("--timeout must be positive");
        if (nnodes > 1 && master is null) throw new UsageException("--master HOST:PORT is required with --nnodes > 1 (rank 0's machine and a free port)");
        var (host, port) = master is null ? ("127.0.0.1", FreePort()) : ParseMaster(master);
        var world = nproc * nnodes;
        var threads = Math.Max(1, Environment.ProcessorCount / nproc);
        var (file, args) = Resolve(command);

        var processes = new List<(int rank, Process process)>();
        var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCancel;
        var output = new object();
        try
        {
            for (var local = 0; local < nproc; local++)
            {
                var rank = nodeRank * nproc + local;
                var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in args) psi.ArgumentList.Add(a);
                var env = psi.Environment;
                env["MASTER_ADDR"] = host;
                env["MASTER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
                env["WORLD_SIZE"] = world.ToString(CultureInfo.InvariantCulture);
                env["RANK"] = rank.ToString(CultureInfo.InvariantCulture);
                env["LOCAL_RANK"] = local.ToString(CultureInfo.InvariantCulture);
                env["LOCAL_WORLD_SIZE"] = nproc.ToString(CultureInfo.InvariantCulture);
                env["WIDENET_DIST_TIMEOUT"] = timeoutSeconds.ToString(CultureInfo.InvariantCulture);
                if (!env.ContainsKey("OMP_NUM_THREADS")) env["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);   // the cores shared out
                var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
                var prefix = $"[rank {rank}] ";
                p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) Console.Out.WriteLine(prefix + e.Data); };
                p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) Console.Error.WriteLine(prefix + e.Data); };
                try { p.Start(); }
                catch (System.ComponentModel.Win32Exception e) { throw new UsageException($"launch: cannot start '{file}': {e.Message}"); }
                p.BeginOutputReadLine();
                p.BeginErrorReadLine();
                processes.Add((rank, p));
            }
            lock (output) Console.Error.WriteLine($"launch: {nproc} processes (ranks {nodeRank * nproc}..{nodeRank * nproc + nproc - 1} of {world}), rendezvous {host}:{port}, {threads} threads each");

            // Wait for all; the first failure (or Ctrl-C) stops the rest.
            var code = 0;
            var running = processes.ToList();
            while (running.Count > 0)
            {
                var exited = running.FirstOrDefault(x => x.process.HasExited);
                if (exited.process is null)
                {
                    if (stop.IsCancellationRequested) { Kill(running); code = 130; break; }
                    Thread.Sleep(50);
                    continue;
                }
                exited.process.WaitForExit();   // drains the output
                running.Remove(exited);
                if (exited.process.ExitCode != 0 && code == 0)
                {
                    code = exited.process.ExitCode;
                    lock (output) Console.Error.WriteLine($"launch: rank {exited.rank} exited with code {code}; stopping the other {running.Count}");
                    Kill(running);
                }
            }
            foreach (var (_, p) in processes) { p.WaitForExit(); p.Dispose(); }
            return code;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            foreach (var (_, p) in processes)
                try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
    }

    static void Kill(IEnumerable<(int rank, Process process)> running)
    {
        foreach (var (_, p) in running)
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* already gone */ }
    }

    /// <summary>`widenet` names this program (its apphost beside the assembly); anything else is run as given.</summary>
    static (string file, List<string> args) Resolve(IReadOnlyList<string> command)
    {
        var rest = command.Skip(1).ToList();
        if (command[0] != "widenet") return (command[0], rest);
        var dir = Path.GetDirectoryName(typeof(LaunchCommand).Assembly.Location) ?? AppContext.BaseDirectory;
        var apphost = Path.Combine(dir, "widenet");
        if (File.Exists(apphost)) return (apphost, rest);
        rest.Insert(0, Path.Combine(dir, "widenet.dll"));
        return ("dotnet", rest);
    }

    static (string host, int port) ParseMaster(string master)
    {
        var i = master.LastIndexOf(':');
        if (i <= 0 || !int.TryParse(master[(i + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new UsageException($"--master {master}: expected HOST:PORT");
        return (master[..i], port);
    }

    static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
