using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Text;

namespace Microsoft.ML.WideNet.Trainers.Tests;

/// <summary>Training text past <c>MemoryLimitMB</c>: the rows stream from the data view into a cache of token ids, and
/// training reads batches from it with the results of the in-memory path (a byte-level vocabulary, the same for any
/// sample of the text, so both paths tokenise alike).</summary>
public class TextCacheTests
{
    [Fact]
    public void TextPastTheMemoryLimitTrainsFromATokenCacheWithTheResultsOfTheInMemoryPath()
    {
        var (trainRows, _) = TextEndToEndTests.Data();
        var rows = trainRows.Take(300).ToList();
        var log = new List<string>();
        var ml = new MLContext(1);
        ml.Log += (_, e) => { if (e.Source.StartsWith("WideNet", StringComparison.Ordinal)) lock (log) log.Add(e.RawMessage); };
        var raw = ml.Data.LoadFromEnumerable(rows);
        var view = ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);
        ITransformer Fit(double limitMb) => ml.MulticlassClassification.Trainers.WideNet(new WideNetTextClassificationTrainer.Options
        {
            MaxEpochs = 2, MaxSequenceLength = 48, VocabularySize = ByteLevelBpeTokenizer.MinVocabularySize, NumLayers = 2, Seed = 1,
            BatchSize = 16, MemoryLimitMB = limitMb,
        }).Fit(view);

        using var inMemory = (IDisposable)Fit(2048);
        Assert.DoesNotContain(log, m => m.Contains("caching"));
        var textBytes = rows.Sum(r => 2L * r.Sentence1.Length);
        const double cap = 0.01;                                    // 10 KB, a fraction of the text
        Assert.True(textBytes > 5 * cap * 1048576, $"{textBytes} bytes of text");
        log.Clear();
        using var cached = (IDisposable)Fit(cap);
        var all = string.Join("\n", log);
        var caching = Regex.Match(all, @"caching every row as at most 48 token ids in (\S+\.cache)");
        Assert.True(caching.Success, all);
        Assert.Contains("cached 300 training rows", all);
        var held = Regex.Match(all, @"at most ([\d.]+) MB of text was held in memory");
        Assert.True(held.Success, all);
        Assert.True(double.Parse(held.Groups[1].Value, CultureInfo.InvariantCulture) <= cap + 0.005, held.Value);
        Assert.False(File.Exists(caching.Groups[1].Value), "the token cache is removed when Fit ends");

        float[][] Scores(ITransformer model) => model.Transform(view).GetColumn<float[]>("Score").ToArray();
        var (a, b) = (Scores((ITransformer)inMemory), Scores((ITransformer)cached));
        var worst = a.Zip(b, (x, y) => x.Zip(y, (p, q) => Math.Abs(p - q)).Max()).Max();
        Assert.True(worst <= 1e-5, $"largest score difference {worst:G3}");
    }
}
