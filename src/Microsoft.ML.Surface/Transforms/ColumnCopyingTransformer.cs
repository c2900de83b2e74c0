using System.Text.Json.Serialization;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>Copies columns under new names, keeping their types and annotations.</summary>
public sealed class ColumnCopyingTransformer : ITransformer
{
    internal const string LoaderName = "ColumnCopyingTransformer";
    private readonly InputOutputColumnPair[] _columns;

    internal ColumnCopyingTransformer(InputOutputColumnPair[] columns)
    {
        _columns = columns;
    }

    /// <summary>The output/input column pairs.</summary>
    public IReadOnlyList<InputOutputColumnPair> Columns => _columns;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => new Mapper(this, inputSchema).OutputSchema;

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) =>
        new RowMappedDataView(input ?? throw new ArgumentNullException(nameof(input)), new Mapper(this, input.Schema));

    /// <inheritdoc/>
    public void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(LoaderName, 1);
        ctx.WriteJson("config.json", new Config(ColumnPairInfo.From(_columns)));
    }

    internal static ITransformer Load(ModelLoadContext ctx) =>
        new ColumnCopyingTransformer(ctx.ReadJson<Config>("config.json").Columns.Select(c => new InputOutputColumnPair(c.Output, c.Input)).ToArray());

    private sealed record Config([property: JsonPropertyName("columns")] ColumnPairInfo[] Columns);

    private sealed class Mapper(ColumnCopyingTransformer parent, DataViewSchema inputSchema) : RowMapper(inputSchema)
    {
        private readonly DataViewSchema.Column[] _inputs = parent._columns.Select(c => SchemaUtils.GetInput(inputSchema, c.InputColumnName)).ToArray();

        protected override DataViewSchema.DetachedColumn[] CreateOutputColumns() =>
            parent._columns.Select((pair, i) => new DataViewSchema.DetachedColumn(pair.OutputColumnName, _inputs[i].Type, _inputs[i].Annotations)).ToArray();

        public override IEnumerable<int> GetDependencies(int outputIndex) => [_inputs[outputIndex].Index];

        public override Delegate CreateGetter(DataViewRow input, int outputIndex) => Getters.GetUntyped(input, _inputs[outputIndex]);
    }
}
