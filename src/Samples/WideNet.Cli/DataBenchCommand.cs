using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Training;
using Microsoft.ML.WideNet.Vision;

namespace WideNet.Cli;

/// <summary>`widenet bench-data`: trains on Fashion-MNIST repeated R times (copy 0 as is, the others shifted by up to
/// 2 pixels and mirrored, generated row by row as the cursor asks, so the data view itself holds nothing) and prints
/// one JSON line: rows, how Fit held them (in memory, temporary cache, kept cache), seconds before the first step,
/// training images/s, peak resident memory. Measures the larger-than-memory path against holding every row.</summary>
internal static class DataBenchCommand
{
    sealed class GeneratedRow
    {
        internal int Index;
        internal static Func<int, byte[]> Png = null!;
        internal static Func<int, float[]> Pixels = null!;
        public string Label { get; set; } = "";
        public byte[] Image { get => Png(Index); set { } }
        [VectorType(784)] public float[] Pixel { get => Pixels(Index); set { } }
    }

    internal static Command Create()
    {
        Option<int> Int(string name, int value, string help) => new(name) { Description = help, DefaultValueFactory = _ => value };
        var repeat = Int("--repeat", 10, "copies of the 60,000 training images");
        var format = new Option<string>("--format") { Description = "png (encoded bytes, as LoadRawImageBytes gives) | pixels (float vectors)", DefaultValueFactory = _ => "png" };
        var limit = new Option<double>("--memory-limit-mb") { Description = "the trainer's MemoryLimitMB", DefaultValueFactory = _ => 2048 };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "the trainer's CacheDirectory (a kept cache)" };
        var seconds = Int("--seconds", 60, "seconds of training after the first progress report (then Fit is cancelled)");
        var batch = Int("--batch-size", 128, "images per step");
        var cmd = new Command("bench-data", "train on Fashion-MNIST repeated --repeat times, generated lazily; prints one JSON line (preparation seconds, images/s, peak RSS)")
            { repeat, format, limit, cacheDir, seconds, batch };
        cmd.SetAction(r => Run(r.GetValue(repeat), r.GetValue(format)!, r.GetValue(limit), r.GetValue(cacheDir), r.GetValue(seconds), r.GetValue(batch)));
        return cmd;
    }

    static int Run(int repeat, string format, double limitMb, string? cacheDir, int seconds, int batch)
    {
        if (repeat < 1) throw new UsageException("--repeat must be at least 1");
        if (format is not ("png" or "pixels")) throw new UsageException($"--format {format}: expected png or pixels");
        var (images, labels) = IdxReader.LoadFashionMnist(train: true);
        var n = labels.Length;
        byte[] Augmented(int i)                                       // copy i / n of image i % n: shifted and mirrored by its index
        {
            var src = images.Data.AsSpan(i % n * 784, 784);
            var copy = i / n;
            var dst = new byte[784];
            if (copy == 0) { src.CopyTo(dst); return dst; }
            var h = (uint)i * 2654435761u;                           // a fixed mix (HashCode is seeded per process)
            h ^= h >> 15;
            var (dx, dy, flip) = ((int)(h % 5) - 2, (int)(h / 5 % 5) - 2, (h / 25 & 1) == 1);
            for (var y = 0; y < 28; y++)
                for (var x = 0; x < 28; x++)
                {
                    var (sx, sy) = (flip ? 27 - (x - dx) : x - dx, y - dy);
                    if ((uint)sx < 28 && (uint)sy < 28) dst[y * 28 + x] = src[sy * 28 + sx];
                }
            return dst;
        }
        GeneratedRow.Png = i => PngEncoder.Encode(Augmented(i), 28, 28, 1);
        GeneratedRow.Pixels = i => Array.ConvertAll(Augmented(i), b => (float)b);
        var total = checked(repeat * n);
        IEnumerable<GeneratedRow> Rows()
        {
            for (var i = 0; i < total; i++) yield return new GeneratedRow { Index = i, Label = IdxReader.FashionMnistClasses[labels[i % n]] };
        }
        var ml = new MLContext(0);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info && e.Source.StartsWith("WideNet", StringComparison.Ordinal)) lock (log) log.Add(e.RawMessage); };
        var raw = ml.Data.LoadFromEnumerable(Rows());
        var view = ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);   // reads the labels only: no image is made
        using var stop = new CancellationTokenSource();
        var progress = new FirstAndLast(() => stop.CancelAfter(TimeSpan.FromSeconds(seconds)));
        var options = new WideNetImageClassificationTrainer.Options
        {
            LabelColumnName = "Label", ImageColumnName = format == "png" ? "Image" : "Pixel", NumLayers = 2, TopK = 1, BatchSize = batch,
            LearningRate = 2e-3, MaxEpochs = 1, CancellationToken = stop.Token, ValidationFraction = 0, RandomCrop = false, Seed = 0,
            MemoryLimitMB = limitMb, CacheDirectory = cacheDir, Progress = progress, DataParallel = false,
        };
        if (format == "pixels") (options.ImageWidth, options.ImageHeight, options.Channels) = (28, 28, 1);
        Console.Error.WriteLine($"bench-data: {total:N0} rows ({format}), MemoryLimitMB {limitMb}, CacheDirectory {cacheDir ?? "(none)"}, {seconds} s of training");
        var clock = Stopwatch.StartNew();
        try { ((IDisposable)ml.MulticlassClassification.Trainers.WideNet(options).Fit(view)).Dispose(); }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { /* the timed training ends here */ }
        var fit = clock.Elapsed.TotalSeconds;
        var mode = log.Any(m => m.StartsWith("reusing the image cache", StringComparison.Ordinal)) ? "kept cache, reused"
                 : log.Any(m => m.Contains("kept for later runs")) ? "kept cache, built"
                 : log.Any(m => m.Contains("caching them as")) ? "temporary cache" : "in memory";
        foreach (var m in log) Console.Error.WriteLine($"  {m}");
        var json = new Dictionary<string, object?>
        {
            ["rows"] = total, ["format"] = format, ["memory_limit_mb"] = limitMb, ["mode"] = mode,
            ["prepare_seconds"] = Math.Round(progress.FirstAt - progress.FirstElapsed, 1),
            ["train_images_per_second"] = Math.Round(progress.LastRate, 0),
            ["steps"] = progress.LastStep,
            ["fit_seconds"] = Math.Round(fit, 1),
            ["peak_rss_mb"] = Math.Round(BenchCommand.PeakRssMb(), 0),
        };
        Console.WriteLine(JsonSerializer.Serialize(json));
        return 0;
    }

    /// <summary>The first report's time since Fit began (less its own elapsed training time) and the last report's rate.</summary>
    sealed class FirstAndLast(Action onFirst) : IProgress<TrainingProgress>
    {
        readonly Stopwatch _clock = Stopwatch.StartNew();
        public double FirstAt = double.NaN, FirstElapsed, LastRate;
        public long LastStep;
        public void Report(TrainingProgress p)
        {
            if (double.IsNaN(FirstAt))
            {
                (FirstAt, FirstElapsed) = (_clock.Elapsed.TotalSeconds, p.Elapsed.TotalSeconds);
                onFirst();
            }
            if (p.Phase == TrainingPhase.Training) (LastRate, LastStep) = (p.ExamplesPerSecond, p.Step);
        }
    }
}
