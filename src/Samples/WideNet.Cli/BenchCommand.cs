using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Onnx;
using WideNet.Torch;
using WideNet.Torch.Optim;
using F = WideNet.Torch.torch.nn.functional;

namespace WideNet.Cli;

/// <summary>`widenet bench`: times training steps (forward, loss, backward, AdamW) — or, with --inference, batched
/// scoring (eval mode, inference mode) — on synthetic images and prints one JSON line with the keys of
/// tools/pytorch/bench.py, which takes the same flags.</summary>
internal static class BenchCommand
{
    internal static Command Create()
    {
        Option<int> Int(string name, int value, string help) => new(name) { Description = help, DefaultValueFactory = _ => value };
        var arch = new Option<string>("--arch") { Description = "widenet | vit | vit-moe", DefaultValueFactory = _ => "widenet" };
        var imageSize = Int("--image-size", 28, "image side in pixels");
        var patch = Int("--patch", 4, "patch side");
        var channels = Int("--channels", 1, "image channels");
        var classes = Int("--classes", 10, "classes");
        var dim = Int("--dim", 192, "hidden size");
        var heads = Int("--heads", 3, "attention heads");
        var depth = Int("--depth", 6, "blocks");
        var hidden = Int("--hidden", 768, "FFN / expert hidden size");
        var experts = Int("--experts", 4, "experts");
        var topk = Int("--topk", 2, "experts per token");
        var capacity = new Option<double>("--capacity") { Description = "capacity factor", DefaultValueFactory = _ => 1.2 };
        var batch = Int("--batch-size", 64, "images per step");
        var steps = Int("--steps", 20, "timed steps");
        var warmup = Int("--warmup", 5, "untimed steps first");
        var threads = Int("--threads", 0, "intra-op threads (0 = processor count)");
        var device = new Option<string>("--device") { Description = "cpu | cuda | cuda:N", DefaultValueFactory = _ => "cpu" };
        var bf16 = new Option<bool>("--bf16") { Description = "bfloat16 autocast (CUDA)" };
        var inference = new Option<bool>("--inference") { Description = "time batched scoring (eval mode, no autograd) instead of training steps" };
        var onnx = new Option<bool>("--onnx") { Description = "with --inference: then time the same network exported to ONNX in ONNX Runtime (CPU, same threads, same inputs) and print a second line" };
        var bucket = new Option<double>("--bucket-mb") { Description = "under `widenet launch`: megabytes per gradient bucket, all-reduced during backward (0: one all-reduce after backward)", DefaultValueFactory = _ => 1 };
        var profile = new Option<string?>("--profile") { Description = "write a Chrome trace of the operators of the timed steps to this file (autograd profiler; slows the steps)" };
        var cmd = new Command("bench", "time training steps (or batched scoring); prints one JSON line")
            { arch, imageSize, patch, channels, classes, dim, heads, depth, hidden, experts, topk, capacity, batch, steps, warmup, threads, device, bf16, inference, onnx, profile, bucket };
        cmd.SetAction(r =>
        {
            var a = r.GetValue(arch)!.ToLowerInvariant() switch
            {
                "widenet" => Architecture.WideNet, "vit" => Architecture.ViT, "vit-moe" => Architecture.ViTMoE,
                var other => throw new ArgumentException($"--arch {other}: expected widenet, vit or vit-moe"),
            };
            var cfg = new VisionConfig
            {
                ImageSize = r.GetValue(imageSize), PatchSize = r.GetValue(patch), Channels = r.GetValue(channels), NumClasses = r.GetValue(classes),
                Dim = r.GetValue(dim), Heads = r.GetValue(heads), Depth = r.GetValue(depth), Hidden = r.GetValue(hidden),
                NumExperts = r.GetValue(experts), TopK = r.GetValue(topk), CapacityFactor = r.GetValue(capacity), Dropout = 0,
            };
            return Run(a, r.GetValue(arch)!, cfg, r.GetValue(batch), r.GetValue(steps), r.GetValue(warmup), r.GetValue(threads),
                       Device.Parse(r.GetValue(device)!), r.GetValue(bf16), r.GetValue(inference), r.GetValue(profile), r.GetValue(onnx), r.GetValue(bucket));
        });
        return cmd;
    }

    static int Run(Architecture arch, string archName, VisionConfig cfg, int batch, int steps, int warmup, int threads, Device device, bool bf16, bool inference, string? profile, bool onnx, double bucketMb)
    {
        if (onnx && (!inference || device.IsCuda)) throw new UsageException("--onnx times CPU inference: add --inference and keep --device cpu");
        if (threads > 0) torch.set_num_threads(threads);
        torch.manual_seed(0);
        using var model = VisionPresets.Create(arch, cfg);
        model.Module.to(device);
        // Under `widenet launch`: data parallel as the trainer does it (each rank 1/W of the batch, gradients averaged).
        using var dp = new Microsoft.ML.WideNet.Training.DataParallel(inference ? null : Microsoft.ML.WideNet.Training.DistributedEnvironment.Group(device));
        if (batch % dp.WorldSize != 0) throw new UsageException($"--batch-size {batch} does not split over {dp.WorldSize} ranks");
        var local = batch / dp.WorldSize;
        dp.BroadcastWeights(model.Module);
        var parameters = model.Module.parameters().ToArray();
        if (bucketMb > 0) dp.ReduceDuringBackward(parameters, bucketMb);
        using var opt = new AdamW(parameters, lr: 1e-3);
        if (inference) model.Module.eval();
        using var x = torch.randn(new long[] { local, cfg.Channels, cfg.ImageSize, cfg.ImageSize }, device: device);
        using var y = torch.randint(0, cfg.NumClasses, new long[] { local }, device: device);
        var times = new List<double>();
        var reduceTimes = new List<double>();
        for (var step = 0; step < warmup + steps; step++)
        {
            if (step == warmup && profile is not null) torch.autograd.profiler.start(profile);
            var sw = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope())
            {
                if (inference) Score();
                else TrainStep();
                if (device.IsCuda) torch.cuda.synchronize(device.Index < 0 ? 0 : device.Index);
            }
            if (step >= warmup) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        if (profile is not null) torch.autograd.profiler.stop();

        void Score()
        {
            using var mode = torch.inference_mode();
            using (bf16 ? torch.autocast(device.Type, ScalarType.BFloat16) : null) model.forward(x).Logits.argmax(-1);
        }

        void TrainStep()
        {
            ClassifierOutput output;
            using (bf16 ? torch.autocast(device.Type, ScalarType.BFloat16) : null) output = model.forward(x);
            var loss = F.cross_entropy(output.Logits.to(ScalarType.Float32), y) + (output.AuxLoss ?? torch.zeros(new long[0], device: device));
            opt.zero_grad();
            dp.BeginBackward();
            loss.backward();
            var before = dp.GradientTime.total;
            dp.AverageGradients(parameters);
            reduceTimes.Add((dp.GradientTime.total - before).TotalMilliseconds);
            opt.step();
        }
        var median = Median(times);
        var (total, active) = VisionPresets.CountParameters(model);
        if (!dp.IsPrimary) return 0;
        var extra = dp.Enabled
            ? new Dictionary<string, object> { ["world_size"] = dp.WorldSize, ["gradient_buckets"] = dp.BucketCount, ["allreduce_ms_median"] = Math.Round(Median(reduceTimes.Skip(warmup).ToList()), 2) }
            : new Dictionary<string, object>();
        Console.WriteLine(MetricsJson.Serialize(new Dictionary<string, object>
        {
            ["runtime"] = ".net", ["torch"] = torch.version, ["arch"] = archName, ["mode"] = inference ? "inference" : "train", ["device"] = device.ToString(),
            ["threads"] = torch.get_num_threads(), ["batch_size"] = batch, ["params"] = total, ["active_params"] = active,
            ["step_ms_median"] = Math.Round(median, 2), ["images_per_s"] = Math.Round(batch * 1000 / median, 1),
            ["peak_rss_mb"] = Math.Round(PeakRssMb(), 1),
            ["peak_gpu_mb"] = device.IsCuda ? Math.Round(torch.cuda.max_memory_allocated(Math.Max(0, device.Index)) / 1048576.0, 1) : 0,
            ["host_defaults"] = string.Join(" ", HostDefaults.Applied.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")),
        }.Concat(extra).ToDictionary(), "bench", indented: false));
        if (onnx) OnnxRuntimeBench(model, cfg, archName, x, batch, steps, warmup, total, active);
        return 0;
    }

    static double Median(List<double> values)
    {
        if (values.Count == 0) return 0;
        var v = values.Order().ToList();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    /// <summary>The same network, exported, in ONNX Runtime's CPU provider on the same inputs (as 0–255 pixels:
    /// (x·0.5 + 0.5)·255 normalises back to x), timed the same way; also the largest probability difference.</summary>
    static void OnnxRuntimeBench(IClassifier model, VisionConfig cfg, string archName, Tensor x, int batch, int steps, int warmup, long total, long active)
    {
        using var stream = new MemoryStream();
        OnnxExport.ImageClassifier(model, stream, cfg.ImageSize, cfg.Channels);
        using var options = new SessionOptions { IntraOpNumThreads = torch.get_num_threads(), InterOpNumThreads = 1 };
        using var session = new InferenceSession(stream.ToArray(), options);
        float[] pixels, expected;
        using (var scope = torch.NewDisposeScope())
        using (torch.inference_mode())
        {
            pixels = ((x * 0.5 + 0.5) * 255).contiguous().ToArray<float>();
            expected = model.forward(x).Logits.softmax(1).ToArray<float>();
        }
        var input = new[] { NamedOnnxValue.CreateFromTensor("pixels", new DenseTensor(pixels, new[] { batch, cfg.Channels, cfg.ImageSize, cfg.ImageSize })) };
        var times = new List<double>();
        float[] actual = [];
        for (var step = 0; step < warmup + steps; step++)
        {
            var sw = Stopwatch.StartNew();
            using (var results = session.Run(input)) actual = results.First().AsTensor<float>().ToArray();
            if (step >= warmup) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        var median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2;
        Console.WriteLine(MetricsJson.Serialize(new Dictionary<string, object>
        {
            ["runtime"] = "onnxruntime", ["onnxruntime"] = typeof(InferenceSession).Assembly.GetName().Version?.ToString() ?? "", ["arch"] = archName,
            ["mode"] = "inference", ["device"] = "cpu", ["threads"] = torch.get_num_threads(), ["batch_size"] = batch, ["params"] = total, ["active_params"] = active,
            ["step_ms_median"] = Math.Round(median, 2), ["images_per_s"] = Math.Round(batch * 1000 / median, 1),
            ["max_abs_diff_vs_libtorch"] = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max(),
            ["peak_rss_mb"] = Math.Round(PeakRssMb(), 1),
        }, "bench", indented: false));
    }

    /// <summary>VmHWM of /proc/self/status: the most resident memory this process has had, in MB.</summary>
    internal static double PeakRssMb() =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
}
