using System.Numerics;
using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Maps keys to the values of the input column's <c>KeyValues</c> annotation; key 0 (missing) and keys beyond the
/// annotation map to the default value (NaN for floating point, empty for text).
/// </summary>
public sealed class KeyToValueMappingTransformer : OneToOneTransformerBase
{
    internal const string LoaderName = "KeyToValueMappingTransformer";

    internal KeyToValueMappingTransformer(InputOutputColumnPair[] columns) : base(columns)
    {
    }

    private protected override RowMapper MakeMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx) => SaveColumnPairs(ctx, LoaderName);

    internal static ITransformer Load(ModelLoadContext ctx) => new KeyToValueMappingTransformer(LoadColumnPairs(ctx));

    private sealed class Mapper(KeyToValueMappingTransformer parent, DataViewSchema inputSchema) : OneToOneMapper(parent, inputSchema)
    {
        protected override DataViewSchema.DetachedColumn[] CreateOutputColumns() =>
            parent.ColumnPairs.Select((pair, i) =>
            {
                var input = Inputs[i];
                var keyType = (input.Type as VectorDataViewType)?.ItemType as KeyDataViewType ?? input.Type as KeyDataViewType
                    ?? throw new InvalidOperationException($"Column '{input.Name}' of type {input.Type} is not a key column.");
                var valuesType = ValuesType(input);
                var itemType = valuesType.ItemType;
                var builder = new DataViewSchema.Annotations.Builder();
                DataViewType type = itemType;
                if (input.Type is VectorDataViewType vector)
                {
                    type = new VectorDataViewType(itemType, vector.Dimensions);
                    builder.Add(input.Annotations, kind => kind == AnnotationUtils.Kinds.SlotNames);
                }

                _ = keyType;
                return new DataViewSchema.DetachedColumn(pair.OutputColumnName, type, builder.ToAnnotations());
            }).ToArray();

        private static VectorDataViewType ValuesType(DataViewSchema.Column input) =>
            input.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues)?.Type as VectorDataViewType
            ?? throw new InvalidOperationException($"The key column '{input.Name}' has no KeyValues annotation to map keys back to values.");

        public override Delegate CreateGetter(DataViewRow input, int outputIndex)
        {
            var column = Inputs[outputIndex];
            var keyRaw = ((column.Type as VectorDataViewType)?.ItemType ?? column.Type).RawType;
            var valueRaw = ValuesType(column).ItemType.RawType;
            string name = column.Type is VectorDataViewType ? nameof(MakeVectorGetter) : nameof(MakeGetter);
            return (Delegate)typeof(Mapper).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(keyRaw, valueRaw)
                .Invoke(null, [input, column])!;
        }

        private static TValue[] ReadValues<TValue>(DataViewSchema.Column column)
        {
            VBuffer<TValue> values = default;
            column.GetKeyValues(ref values);
            return values.DenseValues().ToArray();
        }

        private static TValue Lookup<TKey, TValue>(TValue[] values, TKey key)
            where TKey : IBinaryInteger<TKey>, IUnsignedNumber<TKey>
        {
            ulong index = ulong.CreateTruncating(key);
            return index >= 1 && index <= (ulong)values.Length ? values[index - 1] : Missing<TValue>();
        }

        private static TValue Missing<TValue>() =>
            typeof(TValue) == typeof(float) ? (TValue)(object)float.NaN
            : typeof(TValue) == typeof(double) ? (TValue)(object)double.NaN
            : default!;

        private static ValueGetter<TValue> MakeGetter<TKey, TValue>(DataViewRow row, DataViewSchema.Column column)
            where TKey : IBinaryInteger<TKey>, IUnsignedNumber<TKey>
        {
            var values = ReadValues<TValue>(column);
            var getter = row.GetGetter<TKey>(column);
            TKey key = TKey.Zero;
            return (ref TValue value) =>
            {
                getter(ref key);
                value = Lookup(values, key);
            };
        }

        private static ValueGetter<VBuffer<TValue>> MakeVectorGetter<TKey, TValue>(DataViewRow row, DataViewSchema.Column column)
            where TKey : IBinaryInteger<TKey>, IUnsignedNumber<TKey>
        {
            var values = ReadValues<TValue>(column);
            var getter = row.GetGetter<VBuffer<TKey>>(column);
            VBuffer<TKey> keys = default;
            return (ref VBuffer<TValue> value) =>
            {
                getter(ref keys);
                var editor = VBufferEditor.Create(ref value, keys.Length);
                int i = 0;
                foreach (var key in keys.DenseValues())
                {
                    editor.Values[i++] = Lookup(values, key);
                }

                value = editor.Commit();
            };
        }
    }
}
