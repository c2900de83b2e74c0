using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.ML.Data;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>Maps values to the keys learned by <see cref="ValueToKeyMappingEstimator"/>; unseen and missing values map to 0.</summary>
public sealed class ValueToKeyMappingTransformer : OneToOneTransformerBase
{
    internal const string LoaderName = "ValueToKeyMappingTransformer";
    private readonly TermMap[] _maps;
    private readonly bool _keyValuesAsText;

    internal ValueToKeyMappingTransformer(InputOutputColumnPair[] columns, TermMap[] maps, bool keyValuesAsText) : base(columns)
    {
        _maps = maps;
        _keyValuesAsText = keyValuesAsText;
    }

    private protected override RowMapper MakeMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(LoaderName, 1);
        ctx.WriteJson("config.json", new Config(
            ColumnPairInfo.From(ColumnPairs),
            _keyValuesAsText,
            _maps.Select(m => m.ToJson()).ToArray()));
    }

    internal static ITransformer Load(ModelLoadContext ctx)
    {
        var config = ctx.ReadJson<Config>("config.json");
        return new ValueToKeyMappingTransformer(
            ColumnPairInfo.ToPairs(config.Columns),
            config.Maps.Select(TermMap.FromJson).ToArray(),
            config.KeyValuesAsText);
    }

    private sealed record Config(
        [property: JsonPropertyName("columns")] ColumnPairInfo[] Columns,
        [property: JsonPropertyName("keyValuesAsText")] bool KeyValuesAsText,
        [property: JsonPropertyName("maps")] JsonNode[] Maps);

    private sealed class Mapper(ValueToKeyMappingTransformer parent, DataViewSchema inputSchema) : OneToOneMapper(parent, inputSchema)
    {
        protected override DataViewSchema.DetachedColumn[] CreateOutputColumns() =>
            parent.ColumnPairs.Select((pair, i) =>
            {
                var map = parent._maps[i];
                var input = Inputs[i];
                var itemType = input.Type is VectorDataViewType v ? v.ItemType : input.Type;
                if (itemType.RawType != map.ItemType.RawType)
                {
                    throw new InvalidOperationException($"Column '{input.Name}' has type {input.Type}, but the key mapping was learned on {map.ItemType} values.");
                }

                var key = new KeyDataViewType(typeof(uint), Math.Max(1, map.Count));
                var builder = new DataViewSchema.Annotations.Builder();
                map.AddKeyValues(builder, parent._keyValuesAsText);
                DataViewType type = key;
                if (input.Type is VectorDataViewType vector)
                {
                    type = new VectorDataViewType(key, vector.Dimensions);
                    builder.Add(input.Annotations, kind => kind == AnnotationUtils.Kinds.SlotNames);
                }

                return new DataViewSchema.DetachedColumn(pair.OutputColumnName, type, builder.ToAnnotations());
            }).ToArray();

        public override Delegate CreateGetter(DataViewRow input, int outputIndex) =>
            parent._maps[outputIndex].CreateMapper(input, Inputs[outputIndex]);
    }
}
