using System.Globalization;
using WideNet.Torch.Native;
using N = WideNet.Torch.Native.NativeMethods;

namespace WideNet.Torch;

public static partial class torch
{
    /// <summary>torch.distributed over LibTorch's c10d: a process group that meets through a TCP store (rank 0 hosts
    /// it) and runs collectives on Gloo (CPU tensors) or NCCL (CUDA tensors). Unlike PyTorch there is no hidden
    /// default group: <see cref="init_process_group"/> returns one, and it is passed where it is used.</summary>
    public static class distributed
    {
        /// <summary>How an all-reduce combines the ranks' tensors.</summary>
        public enum ReduceOp
        {
            /// <summary>Sum.</summary>
            SUM,
            /// <summary>Product.</summary>
            PRODUCT,
            /// <summary>Minimum.</summary>
            MIN,
            /// <summary>Maximum.</summary>
            MAX,
            /// <summary>Mean over the ranks (a sum divided by the world size when the operation completes).</summary>
            AVG,
        }

        /// <summary>True when the native library was built with Gloo (CPU collectives).</summary>
        public static bool is_gloo_available() => (N.wn_pg_backends() & 1) != 0;

        /// <summary>True when the native library was built with NCCL (CUDA collectives).</summary>
        public static bool is_nccl_available() => (N.wn_pg_backends() & 2) != 0;

        /// <summary>Joins a process group of <paramref name="world_size"/> ranks. Null arguments are read from the
        /// variables torchrun sets: <c>MASTER_ADDR</c>, <c>MASTER_PORT</c>, <c>WORLD_SIZE</c>, <c>RANK</c>. Blocks until
        /// every rank has arrived, or fails after <paramref name="timeout"/> (default 5 minutes) naming who is missing.</summary>
        /// <param name="backend">"gloo" (CPU tensors) or "nccl" (CUDA tensors).</param>
        /// <param name="master_addr">Host of rank 0's store (MASTER_ADDR).</param>
        /// <param name="master_port">Port of rank 0's store (MASTER_PORT).</param>
        /// <param name="world_size">Number of ranks (WORLD_SIZE).</param>
        /// <param name="rank">This process's rank (RANK).</param>
        /// <param name="timeout">How long to wait for the others, at the rendezvous and in every collective.</param>
        public static ProcessGroup init_process_group(string backend = "gloo", string? master_addr = null, int? master_port = null,
                                                      int? world_size = null, int? rank = null, TimeSpan? timeout = null)
        {
            var b = backend switch
            {
                "gloo" => 0,
                "nccl" => 1,
                _ => throw new ArgumentException($"unknown backend '{backend}': use \"gloo\" (CPU) or \"nccl\" (CUDA)", nameof(backend)),
            };
            var host = master_addr ?? Env("MASTER_ADDR");
            var port = master_port ?? EnvInt("MASTER_PORT");
            var size = world_size ?? EnvInt("WORLD_SIZE");
            var r = rank ?? EnvInt("RANK");
            var t = timeout ?? TimeSpan.FromMinutes(5);
            if (size < 1) throw new ArgumentOutOfRangeException(nameof(world_size), size, "the world size must be at least 1");
            if (r < 0 || r >= size) throw new ArgumentOutOfRangeException(nameof(rank), r, $"rank {r} is outside a world of size {size}");
            var h = N.wn_pg_new(host, port, r, size, b, (long)t.TotalMilliseconds);
            if (h == IntPtr.Zero)
            {
                var e = (TorchException)Check.Fail("init_process_group");
                throw new TorchException($"rank {r} of {size}: joining the {backend} group at {host}:{port} failed " +
                                         $"(timeout {t.TotalSeconds:F0} s): {e.NativeMessage.Trim()}", e.NativeMessage);
            }
            return new ProcessGroup(h, backend, r, size);
        }

        static string Env(string name) =>
            Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v
                : throw new InvalidOperationException($"{name} is not set: start the processes with `widenet launch` (or torchrun), or pass it");

        static int EnvInt(string name) =>
            int.TryParse(Env(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
                : throw new InvalidOperationException($"{name}={Env(name)} is not an integer");

        /// <summary>One member's view of a process group. Collectives must be called by every rank in the same order
        /// with tensors of the same shapes; each returns a <see cref="Work"/> at once.</summary>
        public sealed class ProcessGroup : IDisposable
        {
            IntPtr _handle;

            internal ProcessGroup(IntPtr handle, string backend, int rank, int size) => (_handle, Backend, Rank, WorldSize) = (handle, backend, rank, size);

            /// <summary>"gloo" or "nccl".</summary>
            public string Backend { get; }
            /// <summary>This process's rank, 0 ≤ rank &lt; <see cref="WorldSize"/>.</summary>
            public int Rank { get; }
            /// <summary>Number of ranks.</summary>
            public int WorldSize { get; }

            /// <summary>Combines <paramref name="tensors"/> across the ranks in place (each rank ends with the result).</summary>
            public Work all_reduce(IReadOnlyList<Tensor> tensors, ReduceOp op = ReduceOp.SUM)
            {
                var native = op == ReduceOp.AVG ? 0 : (int)op;
                var w = Start(tensors, hs => N.wn_pg_allreduce(Live, hs, hs.Length, native), "all_reduce");
                if (op == ReduceOp.AVG && WorldSize > 1) w.Then = () => { foreach (var t in tensors) t.mul_(1.0 / WorldSize); };
                return w;
            }

            /// <summary>Combines one tensor across the ranks in place.</summary>
            public Work all_reduce(Tensor tensor, ReduceOp op = ReduceOp.SUM) => all_reduce(new[] { tensor }, op);

            /// <summary>Copies <paramref name="src"/>'s tensors into every other rank's tensors, in place.</summary>
            public Work broadcast(IReadOnlyList<Tensor> tensors, int src = 0)
            {
                if (src < 0 || src >= WorldSize) throw new ArgumentOutOfRangeException(nameof(src), src, $"source rank outside a world of size {WorldSize}");
                return Start(tensors, hs => N.wn_pg_broadcast(Live, hs, hs.Length, src), "broadcast");
            }

            /// <summary>Copies <paramref name="src"/>'s tensor into every other rank's tensor, in place.</summary>
            public Work broadcast(Tensor tensor, int src = 0) => broadcast(new[] { tensor }, src);

            /// <summary>Completes when every rank has called it.</summary>
            public Work barrier() => new(Checked(N.wn_pg_barrier(Live), "barrier"), this, null);

            Work Start(IReadOnlyList<Tensor> tensors, Func<IntPtr[], IntPtr> call, string op)
            {
                ArgumentNullException.ThrowIfNull(tensors);
                if (tensors.Count == 0) throw new ArgumentException($"{op}: no tensors", nameof(tensors));
                var hs = tensors.Select(t => t.RawHandle).ToArray();
                var h = call(hs);
                GC.KeepAlive(tensors);
                return new Work(h != IntPtr.Zero ? h : throw Describe(Check.Fail(op, tensors.ToArray())), this, tensors);
            }

            IntPtr Checked(IntPtr h, string op) => h != IntPtr.Zero ? h : throw Describe(Check.Fail(op));

            internal Exception Describe(Exception e) =>
                new TorchException($"rank {Rank} of {WorldSize} ({Backend}): {e.Message}", (e as TorchException)?.NativeMessage ?? e.Message);

            IntPtr Live => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(ProcessGroup));

            /// <summary>Leaves the group (the native group and its store connection are freed).</summary>
            public void Dispose()
            {
                var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
                if (h != IntPtr.Zero) N.wn_pg_free(h);
            }
        }

        /// <summary>A collective in flight. <see cref="wait"/> blocks until it is done and throws, naming the rank,
        /// when a peer failed or the group's timeout passed.</summary>
        public sealed class Work : IDisposable
        {
            IntPtr _handle;
            readonly ProcessGroup _group;
            readonly object? _keepAlive;
            bool _done;

            internal Work(IntPtr handle, ProcessGroup group, object? keepAlive) => (_handle, _group, _keepAlive) = (handle, group, keepAlive);

            internal Action? Then;

            /// <summary>True once the operation has finished (successfully or not).</summary>
            public bool is_completed() => _done || _handle != IntPtr.Zero && N.wn_work_is_completed(_handle) == 1;

            /// <summary>Waits for the operation; the tensors hold the result afterwards.</summary>
            public void wait()
            {
                if (_done) return;
                var h = _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(Work));
                if (N.wn_work_wait(h) != 0) throw _group.Describe(Check.Fail("wait"));
                _done = true;
                Then?.Invoke();
                GC.KeepAlive(_keepAlive);
            }

            /// <summary>Frees the native handle (waiting first is the caller's business).</summary>
            public void Dispose()
            {
                var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
                if (h != IntPtr.Zero) N.wn_work_free(h);
            }
        }
    }
}
