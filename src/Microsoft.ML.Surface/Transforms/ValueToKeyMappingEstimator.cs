using Microsoft.ML.Data;
using Microsoft.ML.Data.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Learns the set of values of a column and maps each value to a key (1-based; 0 is missing or unseen). The key
/// column carries the values in its <c>KeyValues</c> annotation, so <c>MapKeyToValue</c> can map keys back.
/// </summary>
public sealed class ValueToKeyMappingEstimator : IEstimator<ValueToKeyMappingTransformer>
{
    internal const int DefaultMaximumNumberOfKeys = 1000000;
    private readonly MLContext _context;
    private readonly InputOutputColumnPair[] _columns;
    private readonly int _maximumNumberOfKeys;
    private readonly KeyOrdinality _ordinality;
    private readonly bool _addKeyValueAnnotationsAsText;
    private readonly IDataView? _keyData;

    internal ValueToKeyMappingEstimator(MLContext context, InputOutputColumnPair[] columns, int maximumNumberOfKeys, KeyOrdinality keyOrdinality, bool addKeyValueAnnotationsAsText, IDataView? keyData)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumNumberOfKeys, 1);
        _context = context;
        _columns = columns.Length > 0 ? columns : throw new ArgumentException("At least one column is needed.", nameof(columns));
        _maximumNumberOfKeys = maximumNumberOfKeys;
        _ordinality = keyOrdinality;
        _addKeyValueAnnotationsAsText = addKeyValueAnnotationsAsText;
        _keyData = keyData;
    }

    /// <summary>How keys are ordered.</summary>
    public enum KeyOrdinality : byte
    {
        /// <summary>Keys follow the order in which values first occur in the data.</summary>
        ByOccurrence = 0,

        /// <summary>Keys follow the natural order of the values (ordinal for text).</summary>
        ByValue = 1,
    }

    /// <inheritdoc/>
    public ValueToKeyMappingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var source = _keyData ?? input;
        var maps = new TermMap[_columns.Length];
        var sourceColumns = new DataViewSchema.Column[_columns.Length];
        for (int i = 0; i < _columns.Length; i++)
        {
            var inputColumn = SchemaUtils.GetInput(input.Schema, _columns[i].InputColumnName);
            sourceColumns[i] = _keyData is null
                ? inputColumn
                : _keyData.Schema.FirstOrDefault(c => !c.IsHidden) is { Name: not null } first ? first : throw new ArgumentException("keyData has no column.");
            maps[i] = TermMap.Create(ItemType(sourceColumns[i]));
        }

        using (var cursor = source.GetRowCursor(sourceColumns.DistinctBy(c => c.Index)))
        {
            var collectors = maps.Select((m, i) => m.CreateCollector(cursor, sourceColumns[i], _maximumNumberOfKeys)).ToArray();
            while (cursor.MoveNext())
            {
                foreach (var collect in collectors)
                {
                    collect();
                }
            }
        }

        if (_ordinality == KeyOrdinality.ByValue)
        {
            foreach (var map in maps)
            {
                map.Sort();
            }
        }

        _context.WriteLog(Runtime.ChannelMessageKind.Info, nameof(ValueToKeyMappingEstimator),
            string.Join(", ", _columns.Select((c, i) => $"{c.OutputColumnName}: {maps[i].Count} keys")));
        return new ValueToKeyMappingTransformer(_columns, maps, _addKeyValueAnnotationsAsText);
    }

    private static PrimitiveDataViewType ItemType(DataViewSchema.Column column) =>
        column.Type switch
        {
            VectorDataViewType vector => vector.ItemType,
            PrimitiveDataViewType primitive => primitive,
            _ => throw new ArgumentException($"Column '{column.Name}' of type {column.Type} cannot be mapped to keys."),
        };

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var columns = inputSchema.ToList();
        foreach (var pair in _columns)
        {
            if (!inputSchema.TryFindColumn(pair.InputColumnName, out var input))
            {
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The input column '{pair.InputColumnName}' was not found.");
            }

            var valueType = _addKeyValueAnnotationsAsText ? TextDataViewType.Instance : input.IsKey ? NumberDataViewType.UInt32 : input.ItemType;
            var annotations = new List<SchemaShape.Column>
            {
                new(AnnotationUtils.Kinds.KeyValues, SchemaShape.Column.VectorKind.Vector, valueType, false),
            };
            if (input.Annotations.TryFindColumn(AnnotationUtils.Kinds.SlotNames, out var slotNames))
            {
                annotations.Add(slotNames);
            }

            columns.RemoveAll(c => c.Name == pair.OutputColumnName);
            columns.Add(new SchemaShape.Column(pair.OutputColumnName, input.Kind, NumberDataViewType.UInt32, true, new SchemaShape(annotations)));
        }

        return new SchemaShape(columns);
    }
}
