using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Training.Tests;
using Microsoft.ML.WideNet.Vision;

namespace Microsoft.ML.WideNet.Trainers.Tests;

/// <summary>Training data past <c>MemoryLimitMB</c>: the rows stream from the data view into a cache file of resized
/// 8-bit pixels, and training reads batches from it with the results of the in-memory path.</summary>
public class ImageCacheTests
{
    sealed class EncodedRow
    {
        public byte[] Image = [];
        public string Label = "";
    }

    static (IDataView view, Func<int> enumerated, long encodedBytes, MLContext ml, List<string> log) Data()
    {
        var (images, labels) = IdxReader.LoadFashionMnist(train: true);
        var enumerated = 0;
        IEnumerable<EncodedRow> Rows()                              // generated as the cursor asks: nothing held by the view
        {
            Interlocked.Increment(ref enumerated);
            for (var i = 0; i < 400; i++)
                yield return new EncodedRow { Image = TestPng.Encode(images.Data.AsSpan(i * 784, 784).ToArray(), 28, 28, 1), Label = IdxReader.FashionMnistClasses[labels[i]] };
        }
        var log = new List<string>();
        var ml = new MLContext(1);
        ml.Log += (_, e) => { if (e.Source.StartsWith("WideNet", StringComparison.Ordinal)) lock (log) log.Add(e.RawMessage); };
        var encodedBytes = Rows().Sum(r => (long)r.Image.Length);
        var raw = ml.Data.LoadFromEnumerable(Rows());
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);   // its pass is over before a Fit counts
        return (keyed, () => enumerated, encodedBytes, ml, log);
    }

    static ITransformer Fit(MLContext ml, IDataView view, double limitMb, string? cacheDirectory, int imageSize = 0) =>
        ml.MulticlassClassification.Trainers.WideNet(new WideNetImageClassificationTrainer.Options
        {
            ImageColumnName = "Image", MaxEpochs = 2, BatchSize = 32, Seed = 3, NumLayers = 2, MemoryLimitMB = limitMb,
            CacheDirectory = cacheDirectory, ImageSize = imageSize,
        }).Fit(view);

    static float WorstDifference(IDataView view, ITransformer a, ITransformer b)
    {
        float[][] Scores(ITransformer model) => model.Transform(view).GetColumn<float[]>("Score").ToArray();
        return Scores(a).Zip(Scores(b), (x, y) => x.Zip(y, (p, q) => Math.Abs(p - q)).Max()).Max();
    }

    [Fact]
    public void ImagesPastTheMemoryLimitTrainFromACacheFileWithTheResultsOfTheInMemoryPath()
    {
        var (view, enumerated, encodedBytes, ml, log) = Data();
        using var inMemory = (IDisposable)Fit(ml, view, 2048, null);
        Assert.DoesNotContain(log, m => m.Contains("caching"));
        const double cap = 0.02;                                    // 20 KB, a tenth of the encoded images
        Assert.True(encodedBytes > 5 * cap * 1048576, $"{encodedBytes} bytes of images");
        log.Clear();
        using var cached = (IDisposable)Fit(ml, view, cap, null);
        var caching = Regex.Match(string.Join("\n", log), @"caching them as 1×28×28 8-bit pixels in (\S+\.cache)");
        Assert.True(caching.Success, string.Join("\n", log));
        var held = Regex.Match(string.Join("\n", log), @"at most ([\d.]+) MB of rows were held in memory");
        Assert.True(held.Success, string.Join("\n", log));
        Assert.True(double.Parse(held.Groups[1].Value, CultureInfo.InvariantCulture) <= cap + 0.01, held.Value);
        Assert.Contains(log, m => m.Contains("cached 400 training rows"));
        Assert.False(File.Exists(caching.Groups[1].Value), "the temporary cache is removed when Fit ends");
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(caching.Groups[1].Value)!, Path.GetFileName(caching.Groups[1].Value) + ".partial-*"));

        var worst = WorstDifference(view, (ITransformer)inMemory, (ITransformer)cached);
        Assert.True(worst <= 1e-5, $"largest score difference {worst:G3}");
        Assert.True(enumerated() >= 3);
    }

    [Fact]
    public void ACacheKeptInCacheDirectoryIsReusedByTheNextFitAndRebuiltWhenDamagedOrThePreprocessingChanges()
    {
        var dir = Directory.CreateTempSubdirectory("widenet-cache").FullName;
        try
        {
            var (view, enumerated, _, ml, log) = Data();
            using var inMemory = (IDisposable)Fit(ml, view, 2048, null);
            log.Clear();
            var before = enumerated();
            using var first = (IDisposable)Fit(ml, view, 2048, dir);    // under the memory limit: cached all the same
            Assert.Contains(log, m => m.Contains("caching the training images as 1×28×28 8-bit pixels") && m.Contains("kept for later runs"));
            Assert.Equal(2, enumerated() - before);                       // one pass to hash, one to decode
            var file = Assert.Single(Directory.GetFiles(dir));
            Assert.Matches(@"widenet-images-[0-9a-f]{24}\.cache$", file);
            Assert.Equal(64 + 400L * 784, new FileInfo(file).Length);
            Assert.True(WorstDifference(view, (ITransformer)inMemory, (ITransformer)first) <= 1e-5);

            log.Clear();
            before = enumerated();
            using var second = (IDisposable)Fit(ml, view, 2048, dir);
            Assert.Contains(log, m => m.Contains("reusing the image cache") && m.Contains("400 rows"));
            Assert.Equal(1, enumerated() - before);                       // the hashing pass only: nothing decoded
            Assert.True(WorstDifference(view, (ITransformer)first, (ITransformer)second) <= 1e-6);

            using (var f = File.OpenWrite(file)) f.SetLength(f.Length - 1);   // damaged: cut short
            log.Clear();
            using var third = (IDisposable)Fit(ml, view, 2048, dir);
            Assert.Contains(log, m => m.Contains("rebuilding the cache (its length is"));
            Assert.Equal(64 + 400L * 784, new FileInfo(Assert.Single(Directory.GetFiles(dir))).Length);
            Assert.True(WorstDifference(view, (ITransformer)first, (ITransformer)third) <= 1e-6);

            log.Clear();
            using var smaller = (IDisposable)Fit(ml, view, 2048, dir, imageSize: 14);   // other preprocessing: its own file
            Assert.Contains(log, m => m.Contains("caching the training images as 1×14×14"));
            Assert.Equal(2, Directory.GetFiles(dir).Length);
            Assert.Contains(Directory.GetFiles(dir), p => new FileInfo(p).Length == 64 + 400L * 196);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
