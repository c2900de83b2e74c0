using System.Text.Json.Serialization;
using Microsoft.ML.Data;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>Copies columns under new names, keeping their types and annotations.</summary>
public sealed class ColumnCopyingTransformer : OneToOneTransformerBase
{
    internal const string LoaderName = "ColumnCopyingTransformer";

    internal ColumnCopyingTransformer(InputOutputColumnPair[] columns) : base(columns)
    {
    }

    private protected override RowMapper MakeMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(LoaderName, 1);
        ctx.WriteJson("config.json", new Config(ColumnPairInfo.From(ColumnPairs)));
    }

    internal static ITransformer Load(ModelLoadContext ctx) =>
        new ColumnCopyingTransformer(ColumnPairInfo.ToPairs(ctx.ReadJson<Config>("config.json").Columns));

    private sealed record Config([property: JsonPropertyName("columns")] ColumnPairInfo[] Columns);

    private sealed class Mapper(ColumnCopyingTransformer parent, DataViewSchema inputSchema) : OneToOneMapper(parent, inputSchema)
    {
        protected override DataViewSchema.DetachedColumn[] CreateOutputColumns() =>
            parent.ColumnPairs.Select((pair, i) => new DataViewSchema.DetachedColumn(pair.OutputColumnName, Inputs[i].Type, Inputs[i].Annotations)).ToArray();

        public override Delegate CreateGetter(DataViewRow input, int outputIndex) => Getters.GetUntyped(input, Inputs[outputIndex]);
    }
}
