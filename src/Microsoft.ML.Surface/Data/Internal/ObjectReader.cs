using System.Reflection;

namespace Microsoft.ML.Data.Internal;

/// <summary>Fills row objects from the columns of a view (CreateEnumerable and the prediction engine).</summary>
internal sealed class ObjectReader<TRow>
    where TRow : class, new()
{
    private readonly List<(MemberInfo Member, DataViewSchema.Column Column, RowMember<TRow> Binding)> _bindings = [];

    public ObjectReader(DataViewSchema schema, bool ignoreMissingColumns)
    {
        foreach (var member in TypeSchema.ColumnMembers(typeof(TRow)).Where(TypeSchema.IsWritable))
        {
            string name = TypeSchema.ColumnName(member);
            var column = schema.GetColumnOrNull(name);
            if (column is null)
            {
                if (ignoreMissingColumns)
                {
                    continue;
                }

                throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' (for member '{member.Name}' of {typeof(TRow).Name}) was not found in the data.");
            }

            var binding = RowMember<TRow>.Create(member, name, column.Value.Type)
                ?? throw new InvalidOperationException($"Column '{name}' of type {column.Value.Type} cannot be written into member '{member.Name}' of type {TypeSchema.MemberType(member).Name}.");
            _bindings.Add((member, column.Value, binding));
        }
    }

    public IEnumerable<DataViewSchema.Column> Columns => _bindings.Select(b => b.Column);

    public Action<TRow> CreateFiller(DataViewRow row)
    {
        var setters = _bindings.Select(b => b.Binding.MakeSetter(row, b.Column)).ToArray();
        return target =>
        {
            foreach (var setter in setters)
            {
                setter(target);
            }
        };
    }
}
