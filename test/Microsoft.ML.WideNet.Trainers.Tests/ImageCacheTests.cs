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

    [Fact]
    public void ImagesPastTheMemoryLimitTrainFromACacheFileWithTheResultsOfTheInMemoryPath()
    {
        var dir = Directory.CreateTempSubdirectory("widenet-cache").FullName;
        try
        {
            var (images, labels) = IdxReader.LoadFashionMnist(train: true);
            var enumerated = 0;
            IEnumerable<EncodedRow> Rows()                          // generated as the cursor asks: nothing held by the view
            {
                enumerated++;
                for (var i = 0; i < 400; i++)
                    yield return new EncodedRow { Image = TestPng.Encode(images.Data.AsSpan(i * 784, 784).ToArray(), 28, 28, 1), Label = IdxReader.FashionMnistClasses[labels[i]] };
            }
            var log = new List<string>();
            var ml = new MLContext(1);
            ml.Log += (_, e) => { if (e.Source.StartsWith("WideNet", StringComparison.Ordinal)) lock (log) log.Add(e.RawMessage); };
            var view = ml.Data.LoadFromEnumerable(Rows());
            var encodedBytes = Rows().Sum(r => (long)r.Image.Length);
            ITransformer Fit(double limitMb) => ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.MulticlassClassification.Trainers.WideNet(new WideNetImageClassificationTrainer.Options
                {
                    ImageColumnName = "Image", MaxEpochs = 2, BatchSize = 32, Seed = 3, NumLayers = 2, MemoryLimitMB = limitMb, CacheDirectory = dir,
                }))
                .Fit(view);

            using var inMemory = (IDisposable)Fit(2048);
            Assert.DoesNotContain(log, m => m.Contains("caching them"));
            const double cap = 0.02;                                // 20 KB, a tenth of the encoded images
            Assert.True(encodedBytes > 5 * cap * 1048576, $"{encodedBytes} bytes of images");
            log.Clear();
            using var cached = (IDisposable)Fit(cap);
            Assert.Contains(log, m => m.Contains("caching them as 1×28×28 8-bit pixels"));
            var held = Regex.Match(string.Join("\n", log), @"at most ([\d.]+) MB of rows were held in memory");
            Assert.True(held.Success, string.Join("\n", log));
            Assert.True(double.Parse(held.Groups[1].Value, CultureInfo.InvariantCulture) <= cap + 0.01, held.Value);
            Assert.Contains(log, m => m.Contains("cached 400 training rows"));
            Assert.Empty(Directory.GetFiles(dir));                  // removed when Fit ended

            float[][] Scores(ITransformer model) => model.Transform(view).GetColumn<float[]>("Score").ToArray();
            var (a, b) = (Scores((ITransformer)inMemory), Scores((ITransformer)cached));
            var worst = a.Zip(b, (x, y) => x.Zip(y, (p, q) => Math.Abs(p - q)).Max()).Max();
            Assert.True(worst <= 1e-5, $"largest score difference {worst:G3}");
            Assert.True(enumerated >= 3);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
