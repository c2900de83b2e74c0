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
    public override void Save(ModelSaveContext ctx) => SaveColumnPairs(ctx, LoaderName);

    internal static ITransformer Load(ModelLoadContext ctx) => new ColumnCopyingTransformer(LoadColumnPairs(ctx));

    private sealed class Mapper(ColumnCopyingTransformer parent, DataViewSchema inputSchema) : OneToOneMapper(parent, inputSchema)
    {
        protected override DataViewSchema.DetachedColumn[] CreateOutputColumns() =>
            parent.ColumnPairs.Select((pair, i) => new DataViewSchema.DetachedColumn(pair.OutputColumnName, Inputs[i].Type, Inputs[i].Annotations)).ToArray();

        public override Delegate CreateGetter(DataViewRow input, int outputIndex) => Getters.GetUntyped(input, Inputs[outputIndex]);
    }
}
