using Microsoft.ML.Data;

namespace Microsoft.ML.Surface.Tests;

// Proves MLContext's device settings and log event behave as ML.NET documents them, that cursor sets cover every
// row exactly once, and that a text file is streamed: reading its first rows never touches the rest of the file.
public class ContextAndStreamingTests
{
    [Fact]
    public void MlContextDefaultsAndLogEvent()
    {
        var ml = new MLContext();
        Assert.Null(ml.GpuDeviceId);          // null: run on the CPU
        Assert.True(ml.FallbackToCpu);
        ml.GpuDeviceId = 1;
        ml.FallbackToCpu = false;
        Assert.Equal(1, ml.GpuDeviceId);
        Assert.False(ml.FallbackToCpu);

        var events = new List<LoggingEventArgs>();
        ml.Log += (sender, e) => { Assert.Same(ml, sender); events.Add(e); };
        var data = ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = "b" }, new TextRow { Text = "a" }, new TextRow { Text = "b" } });
        ml.Transforms.Conversion.MapValueToKey("Key", "Text").Fit(data);
        var e = Assert.Single(events);
        Assert.Equal(nameof(Transforms.ValueToKeyMappingEstimator), e.Source);
        Assert.Equal(Runtime.ChannelMessageKind.Info, e.Kind);
        Assert.Contains("Key: 2 keys", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void GetRowCursorSetCoversEveryRowOnce(int n)
    {
        var ml = new MLContext(seed: 3);
        var rows = Enumerable.Range(0, 50).Select(i => new TextRow { Text = $"r{i}", Value = i }).ToArray();
        foreach (var view in new[] { ml.Data.LoadFromEnumerable(rows), ml.Data.Cache(ml.Data.LoadFromEnumerable(rows)),
                                     ml.Data.ShuffleRows(ml.Data.LoadFromEnumerable(rows), seed: 5) })
        {
            var column = view.Schema["Value"];
            var cursors = view.GetRowCursorSet(new[] { column }, n);
            Assert.InRange(cursors.Length, 1, n);      // n is a suggestion, as in ML.NET
            var seen = new List<float>();
            foreach (var cursor in cursors)
            {
                var getter = cursor.GetGetter<float>(column);
                float value = 0;
                while (cursor.MoveNext()) { getter(ref value); seen.Add(value); }
                cursor.Dispose();
            }
            Assert.Equal(Enumerable.Range(0, 50).Select(i => (float)i), seen.Order());
        }
    }

    [Fact]
    public void TextFileIsStreamedNotLoaded()
    {
        // 200,000 rows after two good ones; every later row is malformed, so reading it would throw.
        var path = Path.Combine(Directory.CreateTempSubdirectory("surface-stream").FullName, "big.tsv");
        using (var w = new StreamWriter(path))
        {
            w.WriteLine("1.5\talpha\t1\t2\ttrue\t0\t7");
            w.WriteLine("2.5\tbeta\t3\t4\tfalse\t1\t8");
            for (var i = 0; i < 200_000; i++) w.WriteLine("not-a-number\tx\ty\tz\tmaybe\tq\tw");
        }
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromTextFile<TsvRow>(path);
        Assert.Null(data.GetRowCount());                 // unknown without reading the file
        var first = ml.Data.CreateEnumerable<TsvRow>(ml.Data.TakeRows(data, 2), reuseRowObject: false).ToList();
        Assert.Equal(new[] { 1.5f, 2.5f }, first.Select(r => r.Number));
        var error = Assert.Throws<FormatException>(() => ml.Data.CreateEnumerable<TsvRow>(ml.Data.TakeRows(data, 3), false).ToList());
        Assert.Contains("line 3", error.Message);
    }
}
