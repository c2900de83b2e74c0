using System.Text.Json.Serialization;
using Microsoft.ML.Data.Internal;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Data;

/// <summary>
/// Base of the transformers that compute, for each output/input column pair, one output column from one input
/// column (copying, key ↔ value mapping), as in ML.NET. A derived transformer supplies its row mapper and its
/// saved form; the pairs, the output schema and <see cref="Transform"/> live here.
/// </summary>
public abstract class OneToOneTransformerBase : ITransformer
{
    private protected OneToOneTransformerBase(InputOutputColumnPair[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ColumnPairs = columns;
    }

    /// <summary>The output/input column pairs.</summary>
    private protected InputOutputColumnPair[] ColumnPairs { get; }

    /// <summary>The output/input column pairs.</summary>
    public IReadOnlyList<InputOutputColumnPair> Columns => ColumnPairs;

    /// <summary>The mapper computing the output columns over rows of <paramref name="inputSchema"/>.</summary>
    private protected abstract RowMapper MakeMapper(DataViewSchema inputSchema);

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => MakeMapper(inputSchema).OutputSchema;

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) =>
        new RowMappedDataView(input ?? throw new ArgumentNullException(nameof(input)), MakeMapper(input.Schema));

    /// <inheritdoc/>
    public abstract void Save(ModelSaveContext ctx);

    /// <summary>Saves a transformer whose only state is its pairs: <c>config.json</c> = <c>{"columns": [...]}</c>.</summary>
    private protected void SaveColumnPairs(ModelSaveContext ctx, string loaderName)
    {
        ctx.SetVersionInfo(loaderName, 1);
        ctx.WriteJson("config.json", new PairsConfig(ColumnPairInfo.From(ColumnPairs)));
    }

    /// <summary>The pairs written by <see cref="SaveColumnPairs"/>.</summary>
    private protected static InputOutputColumnPair[] LoadColumnPairs(ModelLoadContext ctx) =>
        ColumnPairInfo.ToPairs(ctx.ReadJson<PairsConfig>("config.json").Columns);

    private sealed record PairsConfig([property: JsonPropertyName("columns")] ColumnPairInfo[] Columns);

    /// <summary>A row mapper whose output <c>i</c> reads exactly input column <c>i</c> of the pairs.</summary>
    private protected abstract class OneToOneMapper : RowMapper
    {
        protected OneToOneMapper(OneToOneTransformerBase parent, DataViewSchema inputSchema)
            : base(inputSchema)
        {
            Inputs = parent.ColumnPairs.Select(c => SchemaUtils.GetInput(inputSchema, c.InputColumnName)).ToArray();
        }

        /// <summary>The input column of each pair, resolved in the input schema (a missing one throws, naming it).</summary>
        protected DataViewSchema.Column[] Inputs { get; }

        public override IEnumerable<int> GetDependencies(int outputIndex) => [Inputs[outputIndex].Index];
    }
}
