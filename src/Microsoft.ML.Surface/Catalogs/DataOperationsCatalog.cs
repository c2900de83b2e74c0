using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML;

/// <summary>Loading data, turning views back into objects, and reshaping views (split, shuffle, take, skip, cache).</summary>
public sealed class DataOperationsCatalog
{
    internal DataOperationsCatalog(MLContext context)
    {
        Context = context;
    }

    internal MLContext Context { get; }

    /// <summary>A lazy view over objects: each public field or property is a column (see <see cref="ColumnNameAttribute"/>, <see cref="VectorTypeAttribute"/>, <see cref="KeyTypeAttribute"/>, <see cref="NoColumnAttribute"/>).</summary>
    /// <typeparam name="TRow">The row class.</typeparam>
    /// <param name="data">The rows; enumerated again by every cursor.</param>
    /// <returns>The view.</returns>
    public IDataView LoadFromEnumerable<TRow>(IEnumerable<TRow> data)
        where TRow : class =>
        new EnumerableDataView<TRow>(data ?? throw new ArgumentNullException(nameof(data)));

    /// <summary>A lazy view over objects with the given schema (which can carry annotations such as key values).</summary>
    /// <typeparam name="TRow">The row class.</typeparam>
    /// <param name="data">The rows; enumerated again by every cursor.</param>
    /// <param name="schema">The schema; each column must match a member of <typeparamref name="TRow"/>.</param>
    /// <returns>The view.</returns>
    public IDataView LoadFromEnumerable<TRow>(IEnumerable<TRow> data, DataViewSchema schema)
        where TRow : class =>
        new EnumerableDataView<TRow>(data ?? throw new ArgumentNullException(nameof(data)), schema ?? throw new ArgumentNullException(nameof(schema)));

    /// <summary>
    /// A lazy view over a delimited text file whose columns are the members of <typeparamref name="TInput"/> marked
    /// <see cref="LoadColumnAttribute"/>. The file is streamed by every cursor; a value that cannot be parsed raises a
    /// <see cref="FormatException"/> naming the file, line and column.
    /// </summary>
    /// <typeparam name="TInput">The row class describing the columns.</typeparam>
    /// <param name="path">The file path.</param>
    /// <param name="separatorChar">The field separator.</param>
    /// <param name="hasHeader">Whether the first line holds column names (it is skipped).</param>
    /// <param name="allowQuoting">Whether fields may be enclosed in double quotes (to contain the separator).</param>
    /// <param name="trimWhitespace">Whether to remove trailing whitespace from lines.</param>
    /// <param name="allowSparse">Whether lines may hold vectors in sparse form: <c>length index:value ...</c>.</param>
    /// <returns>The view.</returns>
    public IDataView LoadFromTextFile<TInput>(string path, char separatorChar = '\t', bool hasHeader = false, bool allowQuoting = false, bool trimWhitespace = false, bool allowSparse = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The text file '{path}' does not exist.", path);
        }

        var columns = new List<TextColumnDefinition>();
        foreach (var member in TypeSchema.ColumnMembers(typeof(TInput)))
        {
            var load = member.GetCustomAttribute<LoadColumnAttribute>()
                ?? throw new InvalidOperationException($"Member '{member.Name}' of {typeof(TInput).Name} has no [LoadColumn] attribute; mark it [NoColumn] to skip it.");
            var type = TypeSchema.InferColumnType(member, load.ColumnIndexes.Length)
                ?? throw new InvalidOperationException($"Member '{member.Name}' of {typeof(TInput).Name} has type {TypeSchema.MemberType(member).Name}, which cannot be loaded from text.");
            if (type is VectorDataViewType { IsKnownSize: true } vector && vector.Size != load.ColumnIndexes.Length)
            {
                throw new InvalidOperationException($"Member '{member.Name}' is a vector of size {vector.Size} but [LoadColumn] names {load.ColumnIndexes.Length} source columns.");
            }

            if (type is VectorDataViewType { IsKnownSize: false } variable)
            {
                type = new VectorDataViewType(variable.ItemType, load.ColumnIndexes.Length);
            }

            columns.Add(new TextColumnDefinition(TypeSchema.ColumnName(member), type, load.ColumnIndexes));
        }

        return new TextFileDataView(path, columns, separatorChar, hasHeader, allowQuoting, trimWhitespace, allowSparse);
    }

    /// <summary>Reads a view back into objects, lazily, mapping columns to members by name.</summary>
    /// <typeparam name="TRow">The row class.</typeparam>
    /// <param name="data">The view.</param>
    /// <param name="reuseRowObject">Whether to fill the same object for every row.</param>
    /// <param name="ignoreMissingColumns">Whether members without a matching column are left alone instead of an error.</param>
    /// <returns>The objects.</returns>
    public IEnumerable<TRow> CreateEnumerable<TRow>(IDataView data, bool reuseRowObject, bool ignoreMissingColumns = false)
        where TRow : class, new()
    {
        ArgumentNullException.ThrowIfNull(data);
        var reader = new ObjectReader<TRow>(data.Schema, ignoreMissingColumns);
        return Enumerate(data, reader, reuseRowObject);
    }

    private static IEnumerable<TRow> Enumerate<TRow>(IDataView data, ObjectReader<TRow> reader, bool reuseRowObject)
        where TRow : class, new()
    {
        using var cursor = data.GetRowCursor(reader.Columns);
        var fill = reader.CreateFiller(cursor);
        TRow? row = null;
        while (cursor.MoveNext())
        {
            if (row is null || !reuseRowObject)
            {
                row = new TRow();
            }

            fill(row);
            yield return row;
        }
    }

    /// <summary>
    /// Splits rows into a training and a test set, lazily. Each row goes to the test set with probability
    /// <paramref name="testFraction"/>; with <paramref name="samplingKeyColumnName"/>, rows with equal values of that
    /// column go to the same set.
    /// </summary>
    /// <param name="data">The data.</param>
    /// <param name="testFraction">The expected fraction of rows in the test set.</param>
    /// <param name="samplingKeyColumnName">Rows with equal values of this column stay together.</param>
    /// <param name="seed">The seed of the split; drawn from the context when <see langword="null"/>.</param>
    /// <returns>The two sets.</returns>
    public TrainTestData TrainTestSplit(IDataView data, double testFraction = 0.1, string? samplingKeyColumnName = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (testFraction is < 0 or > 1 || double.IsNaN(testFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in [0, 1].");
        }

        var splitter = new RowSplitter(data, samplingKeyColumnName, seed ?? Context.NextSeed());
        double threshold = 1 - testFraction;
        return new TrainTestData(splitter.Select(u => u < threshold), splitter.Select(u => u >= threshold));
    }

    /// <summary>
    /// Shuffles rows lazily through a pool of <paramref name="shufflePoolSize"/> rows (and by shuffling the source
    /// itself when it can).
    /// </summary>
    /// <param name="input">The data.</param>
    /// <param name="seed">The seed; drawn from the context when <see langword="null"/>.</param>
    /// <param name="shufflePoolSize">The number of rows held in memory to pick from.</param>
    /// <param name="shuffleSource">Whether to also ask a shuffleable source for a random order.</param>
    /// <returns>The shuffled view.</returns>
    public IDataView ShuffleRows(IDataView input, int? seed = null, int shufflePoolSize = 1000, bool shuffleSource = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ShuffleDataView(input, seed ?? Context.NextSeed(), shufflePoolSize, shuffleSource);
    }

    /// <summary>The first <paramref name="count"/> rows, lazily.</summary>
    /// <param name="input">The data.</param>
    /// <param name="count">The number of rows to keep.</param>
    /// <returns>The view.</returns>
    public IDataView TakeRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new FilterDataView(
            input,
            row => () => FilterDecision.Keep,
            rowCount: n => n is null ? null : Math.Min(n.Value, count),
            limit: count);
    }

    /// <summary>All rows but the first <paramref name="count"/>, lazily.</summary>
    /// <param name="input">The data.</param>
    /// <param name="count">The number of rows to skip.</param>
    /// <returns>The view.</returns>
    public IDataView SkipRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new FilterDataView(
            input,
            row => () => row.Position < count ? FilterDecision.Skip : FilterDecision.Keep,
            rowCount: n => n is null ? null : Math.Max(0, n.Value - count));
    }

    /// <summary>
    /// Caches the data in memory on the first pass, so later passes (epochs, cross-validation folds) do not recompute
    /// upstream transforms or re-read files. The cached view can be shuffled.
    /// </summary>
    /// <param name="input">The data.</param>
    /// <param name="columnsToPrefetch">Accepted for compatibility; all columns are cached.</param>
    /// <returns>The cached view.</returns>
    public IDataView Cache(IDataView input, params string[] columnsToPrefetch)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var name in columnsToPrefetch ?? [])
        {
            SchemaUtils.GetInput(input.Schema, name);
        }

        return new CacheDataView(input);
    }

    /// <summary>The result of <see cref="TrainTestSplit"/>.</summary>
    public sealed class TrainTestData
    {
        internal TrainTestData(IDataView trainSet, IDataView testSet)
        {
            TrainSet = trainSet;
            TestSet = testSet;
        }

        /// <summary>The training set.</summary>
        public IDataView TrainSet { get; }

        /// <summary>The test set.</summary>
        public IDataView TestSet { get; }
    }
}
