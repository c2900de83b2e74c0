using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.ML.Data;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Concatenates scalar and vector columns of one item type into a vector column. When every input has a known
/// size, the output gets <c>SlotNames</c>: a scalar input's slot is named after the column, a vector input's slots
/// after its own slot names prefixed with <c>column.</c>.
/// </summary>
public sealed class ColumnConcatenatingTransformer : ITransformer
{
    internal const string LoaderName = "ColumnConcatenatingTransformer";
    private readonly string _outputColumnName;
    private readonly string[] _inputColumnNames;

    internal ColumnConcatenatingTransformer(string outputColumnName, string[] inputColumnNames)
    {
        _outputColumnName = outputColumnName;
        _inputColumnNames = inputColumnNames;
    }

    /// <summary>The output column name.</summary>
    public string OutputColumnName => _outputColumnName;

    /// <summary>The input column names, in order.</summary>
    public IReadOnlyList<string> InputColumnNames => _inputColumnNames;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => new Mapper(this, inputSchema).OutputSchema;

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) =>
        new RowMappedDataView(input ?? throw new ArgumentNullException(nameof(input)), new Mapper(this, input.Schema));

    /// <inheritdoc/>
    public void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(LoaderName, 1);
        ctx.WriteJson("config.json", new Config(_outputColumnName, _inputColumnNames));
    }

    internal static ITransformer Load(ModelLoadContext ctx)
    {
        var config = ctx.ReadJson<Config>("config.json");
        return new ColumnConcatenatingTransformer(config.Output, config.Inputs);
    }

    private sealed record Config(
        [property: JsonPropertyName("output")] string Output,
        [property: JsonPropertyName("inputs")] string[] Inputs);

    private sealed class Mapper : RowMapper
    {
        private readonly ColumnConcatenatingTransformer _parent;
        private readonly DataViewSchema.Column[] _inputs;
        private readonly PrimitiveDataViewType _itemType;

        public Mapper(ColumnConcatenatingTransformer parent, DataViewSchema inputSchema)
            : base(inputSchema)
        {
            _parent = parent;
            _inputs = parent._inputColumnNames.Select(n => SchemaUtils.GetInput(inputSchema, n)).ToArray();
            _itemType = ItemType(_inputs[0]);
            foreach (var input in _inputs)
            {
                if (!ItemType(input).Equals(_itemType))
                {
                    throw new ArgumentException($"Column '{input.Name}' has item type {ItemType(input)}, but '{_inputs[0].Name}' has {_itemType}: concatenated columns must share one item type.");
                }
            }
        }

        private static PrimitiveDataViewType ItemType(DataViewSchema.Column column) =>
            (column.Type as VectorDataViewType)?.ItemType ?? (PrimitiveDataViewType)column.Type;

        private static int Size(DataViewSchema.Column column) => column.Type is VectorDataViewType v ? v.Size : 1;

        protected override DataViewSchema.DetachedColumn[] CreateOutputColumns()
        {
            bool known = _inputs.All(c => Size(c) > 0);
            int size = known ? _inputs.Sum(Size) : 0;
            var builder = new DataViewSchema.Annotations.Builder();
            if (known && _inputs.Any(c => c.Type is not VectorDataViewType || c.HasSlotNames()))
            {
                var names = SlotNames().ToArray();
                builder.AddSlotNames(size, (ref VBuffer<ReadOnlyMemory<char>> dst) =>
                {
                    var editor = VBufferEditor.Create(ref dst, names.Length);
                    names.CopyTo(editor.Values);
                    dst = editor.Commit();
                });
            }

            if (_itemType is KeyDataViewType && _inputs.All(c => c.Type.Equals(_inputs[0].Type)))
            {
                builder.Add(_inputs[0].Annotations, kind => kind == AnnotationUtils.Kinds.KeyValues);
            }

            return [new DataViewSchema.DetachedColumn(_parent._outputColumnName, new VectorDataViewType(_itemType, size), builder.ToAnnotations())];
        }

        private IEnumerable<ReadOnlyMemory<char>> SlotNames()
        {
            foreach (var input in _inputs)
            {
                if (input.Type is not VectorDataViewType vector)
                {
                    yield return input.Name.AsMemory();
                    continue;
                }

                if (input.HasSlotNames())
                {
                    VBuffer<ReadOnlyMemory<char>> names = default;
                    input.GetSlotNames(ref names);
                    foreach (var name in names.DenseValues())
                    {
                        yield return $"{input.Name}.{name}".AsMemory();
                    }
                }
                else
                {
                    for (int i = 0; i < vector.Size; i++)
                    {
                        yield return ReadOnlyMemory<char>.Empty;
                    }
                }
            }
        }

        public override IEnumerable<int> GetDependencies(int outputIndex) => _inputs.Select(c => c.Index);

        public override Delegate CreateGetter(DataViewRow input, int outputIndex) =>
            (Delegate)typeof(Mapper).GetMethod(nameof(MakeGetter), BindingFlags.NonPublic | BindingFlags.Instance)!
                .MakeGenericMethod(_itemType.RawType)
                .Invoke(this, [input])!;

        private ValueGetter<VBuffer<T>> MakeGetter<T>(DataViewRow row)
        {
            var parts = _inputs.Select(column => column.Type is VectorDataViewType
                ? VectorPart<T>(row.GetGetter<VBuffer<T>>(column))
                : ScalarPart(row.GetGetter<T>(column))).ToArray();
            var buffer = new List<T>();
            return (ref VBuffer<T> value) =>
            {
                buffer.Clear();
                foreach (var part in parts)
                {
                    part(buffer);
                }

                var editor = VBufferEditor.Create(ref value, buffer.Count);
                buffer.CopyTo(editor.Values);
                value = editor.Commit();
            };
        }

        private static Action<List<T>> ScalarPart<T>(ValueGetter<T> getter)
        {
            T item = default!;
            return buffer =>
            {
                getter(ref item);
                buffer.Add(item);
            };
        }

        private static Action<List<T>> VectorPart<T>(ValueGetter<VBuffer<T>> getter)
        {
            VBuffer<T> vector = default;
            return buffer =>
            {
                getter(ref vector);
                buffer.AddRange(vector.DenseValues());
            };
        }
    }
}
