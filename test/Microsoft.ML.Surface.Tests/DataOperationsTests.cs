using Microsoft.ML.Data;

namespace Microsoft.ML.Surface.Tests;

public class DataOperationsTests
{
    private static readonly MLContext Ml = new(seed: 1);

    private static string WriteFile(params string[] lines)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("surface-data").FullName, "data.tsv");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void LoadFromEnumerable_InfersSchemaAndCreateEnumerableRoundTrips()
    {
        var rows = new[] { new FeatureRow { Label = "a", Features = [1, 2] }, new FeatureRow { Label = "b", Features = [3, 4] } };
        var data = Ml.Data.LoadFromEnumerable(rows);
        Assert.Equal(TextDataViewType.Instance, data.Schema["Label"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 2), data.Schema["Features"].Type);
        Assert.Equal(2, data.GetRowCount());

        var back = Ml.Data.CreateEnumerable<FeatureRow>(data, reuseRowObject: false).ToList();
        Assert.Equal(["a", "b"], back.Select(r => r.Label));
        Assert.Equal([3f, 4f], back[1].Features);
        Assert.NotSame(back[0], back[1]);

        var reused = Ml.Data.CreateEnumerable<FeatureRow>(data, reuseRowObject: true).ToList();
        Assert.Same(reused[0], reused[1]);
    }

    [Fact]
    public void LoadFromEnumerable_IsLazy()
    {
        int enumerated = 0;
        IEnumerable<TextRow> Source()
        {
            for (int i = 0; ; i++)
            {
                enumerated++;
                yield return new TextRow { Text = i.ToString(), Value = i };
            }
        }

        var data = Ml.Data.LoadFromEnumerable(Source());
        Assert.Equal(0, enumerated);
        var first = Ml.Data.CreateEnumerable<TextRow>(Ml.Data.TakeRows(data, 3), reuseRowObject: false).ToList();
        Assert.Equal([0f, 1f, 2f], first.Select(r => r.Value));
        Assert.True(enumerated <= 4);
    }

    [Fact]
    public void CreateEnumerable_MissingColumn_ThrowsUnlessIgnored()
    {
        var data = Ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = "x", Value = 1 } });
        Assert.Throws<ArgumentOutOfRangeException>(() => Ml.Data.CreateEnumerable<FeatureRow>(data, false).ToList());
        var rows = Ml.Data.CreateEnumerable<FeatureRow>(Ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = "x" } }), false, ignoreMissingColumns: true).ToList();
        Assert.Single(rows);
    }

    [Fact]
    public void LoadFromTextFile_ParsesTypesHeaderAndMissingValues()
    {
        var path = WriteFile("Number\tName\tV1\tV2\tFlag\tKey\tCount", "1.5\talpha\t1\t2\ttrue\t0\t7", "\tbeta\t?\t3\t0\t\t", "NaN\tgamma\t4\t5\tyes\t9\t-2");
        var data = Ml.Data.LoadFromTextFile<TsvRow>(path, hasHeader: true);
        Assert.Equal(new KeyDataViewType(typeof(uint), 10), data.Schema["Key"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 2), data.Schema["Vector"].Type);
        Assert.Null(data.GetRowCount());
        var rows = Ml.Data.CreateEnumerable<TsvRow>(data, false).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal(1.5f, rows[0].Number);
        Assert.Equal("alpha", rows[0].Name);
        Assert.True(rows[0].IsSet);
        Assert.Equal(1u, rows[0].Key); // text keys are 0-based, stored 1-based
        Assert.Equal(7, rows[0].Count);
        Assert.Equal(0f, rows[1].Number); // empty is 0 for floats (ML.NET's default: MissingRealsAsNaNs = false)
        Assert.True(float.IsNaN(rows[1].Vector[0])); // "?" is NaN
        Assert.False(rows[1].IsSet);
        Assert.Equal(0u, rows[1].Key); // empty key is missing
        Assert.Equal(0, rows[1].Count); // empty integer is 0
        Assert.True(float.IsNaN(rows[2].Number));
        Assert.Equal(10u, rows[2].Key);
        Assert.Equal(-2, rows[2].Count);
    }

    [Fact]
    public void LoadFromTextFile_FieldsMissingAtTheEndOfARowAreDefaults()
    {
        var path = WriteFile("2.5\tdelta\t1", "  \tepsilon\t?\t \t\t\t");
        var rows = Ml.Data.CreateEnumerable<TsvRow>(Ml.Data.LoadFromTextFile<TsvRow>(path), false).ToList();
        Assert.Equal(2.5f, rows[0].Number);
        Assert.Equal(new[] { 1f, 0f }, rows[0].Vector);   // the second vector slot is missing: 0, not NaN
        Assert.False(rows[0].IsSet);
        Assert.Equal(0u, rows[0].Key);
        Assert.Equal(0, rows[0].Count);
        Assert.Equal(0f, rows[1].Number);                  // blank is 0
        Assert.True(float.IsNaN(rows[1].Vector[0]));      // "?" is NaN
        Assert.Equal(0f, rows[1].Vector[1]);
    }

    [Fact]
    public void LoadFromTextFile_QuotingKeepsSeparatorsInsideQuotes()
    {
        var path = WriteFile("1,\"a, b\",1,2,true,1,3", "2,\"say \"\"hi\"\"\",1,2,false,1,3");
        var rows = Ml.Data.CreateEnumerable<TsvRow>(Ml.Data.LoadFromTextFile<TsvRow>(path, separatorChar: ',', allowQuoting: true), false).ToList();
        Assert.Equal("a, b", rows[0].Name);
        Assert.Equal("say \"hi\"", rows[1].Name);
        Assert.Equal(2f, rows[0].Vector[1]);

        var unquoted = Ml.Data.CreateEnumerable<TsvRow>(Ml.Data.LoadFromTextFile<TsvRow>(path, separatorChar: ',', allowQuoting: false), false);
        Assert.Throws<FormatException>(() => unquoted.ToList());
    }

    [Fact]
    public void LoadFromTextFile_ReportsFileLineAndColumnOfBadValue()
    {
        var path = WriteFile("1\ta\t1\t2\ttrue\t1\t3", "2\tb\t1\toops\ttrue\t1\t3");
        var data = Ml.Data.LoadFromTextFile<TsvRow>(path);
        var error = Assert.Throws<FormatException>(() => Ml.Data.CreateEnumerable<TsvRow>(data, false).ToList());
        Assert.Contains(path, error.Message);
        Assert.Contains("line 2", error.Message);
        Assert.Contains("column 4", error.Message);
        Assert.Contains("oops", error.Message);

        // Lazy: the bad line is never parsed when only the first row is read.
        Assert.Single(Ml.Data.CreateEnumerable<TsvRow>(Ml.Data.TakeRows(data, 1), false));
    }

    [Fact]
    public void LoadFromTextFile_TrimWhitespaceAndSparse()
    {
        var path = WriteFile("1 a 1 2 true 1 3   ");
        var rows = Ml.Data.CreateEnumerable<TsvRow>(Ml.Data.LoadFromTextFile<TsvRow>(path, separatorChar: ' ', trimWhitespace: true), false).ToList();
        Assert.Equal(3, rows[0].Count);

        var sparsePath = WriteFile("5\tname\t5\t1:4\t3:1\t4:2");
        var sparse = Ml.Data.CreateEnumerable<TsvRow>(Ml.Data.LoadFromTextFile<TsvRow>(sparsePath, allowSparse: true), false).Single();
        Assert.Equal([0f, 4f], sparse.Vector);
        Assert.False(sparse.IsSet); // not listed: default
        Assert.Equal(1u + 1, sparse.Key);
        Assert.Equal(2, sparse.Count);
    }

    [Fact]
    public void TrainTestSplit_ProportionsSeedsAndSamplingKey()
    {
        var rows = Enumerable.Range(0, 2000).Select(i => new TextRow { Text = $"g{i % 100}", Value = i }).ToArray();
        var data = Ml.Data.LoadFromEnumerable(rows);
        var split = Ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 7);
        var train = Ml.Data.CreateEnumerable<TextRow>(split.TrainSet, false).Select(r => r.Value).ToList();
        var test = Ml.Data.CreateEnumerable<TextRow>(split.TestSet, false).Select(r => r.Value).ToList();
        Assert.Equal(2000, train.Count + test.Count);
        Assert.Empty(train.Intersect(test));
        Assert.InRange(test.Count, 420, 580);

        var again = Ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 7);
        Assert.Equal(test, Ml.Data.CreateEnumerable<TextRow>(again.TestSet, false).Select(r => r.Value));
        var other = Ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 8);
        Assert.NotEqual(test, Ml.Data.CreateEnumerable<TextRow>(other.TestSet, false).Select(r => r.Value));

        var grouped = Ml.Data.TrainTestSplit(data, testFraction: 0.3, samplingKeyColumnName: "Text", seed: 3);
        var trainGroups = Ml.Data.CreateEnumerable<TextRow>(grouped.TrainSet, false).Select(r => r.Text).ToHashSet();
        var testGroups = Ml.Data.CreateEnumerable<TextRow>(grouped.TestSet, false).Select(r => r.Text).ToHashSet();
        Assert.Empty(trainGroups.Intersect(testGroups));
        Assert.Equal(100, trainGroups.Count + testGroups.Count);
    }

    [Fact]
    public void ShuffleTakeSkipCache_BehaveAsDocumented()
    {
        var data = Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 50).Select(i => new TextRow { Value = i }).ToArray());
        float[] Values(IDataView view) => Ml.Data.CreateEnumerable<TextRow>(view, false).Select(r => r.Value).ToArray();

        var shuffled = Values(Ml.Data.ShuffleRows(data, seed: 5, shufflePoolSize: 10));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (float)i), shuffled.Order());
        Assert.NotEqual(Values(data), shuffled);
        Assert.Equal(shuffled, Values(Ml.Data.ShuffleRows(data, seed: 5, shufflePoolSize: 10)));

        Assert.Equal([0f, 1f, 2f], Values(Ml.Data.TakeRows(data, 3)));
        Assert.Equal([47f, 48f, 49f], Values(Ml.Data.SkipRows(data, 47)));
        Assert.Equal(3, Ml.Data.TakeRows(data, 3).GetRowCount());

        int enumerations = 0;
        IEnumerable<TextRow> Counted()
        {
            enumerations++;
            return Enumerable.Range(0, 5).Select(i => new TextRow { Value = i });
        }

        var cached = Ml.Data.Cache(Ml.Data.LoadFromEnumerable(new DeferredEnumerable<TextRow>(Counted)));
        Assert.Equal(Values(cached), Values(cached));
        Assert.Equal(1, enumerations);
        Assert.True(cached.CanShuffle);
    }

    private sealed class DeferredEnumerable<T>(Func<IEnumerable<T>> factory) : IEnumerable<T>
    {
        public IEnumerator<T> GetEnumerator() => factory().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
