using System.Linq.Expressions;
using System.Reflection;

namespace Microsoft.ML.Data.Internal;

/// <summary>
/// A public field or property of a row class mapped to a column: how its column is typed, how its value becomes a
/// column value (<see cref="MakeGetter"/>) and how a column value is written back into it (<see cref="MakeSetter"/>).
/// </summary>
internal abstract class RowMember<TRow>
    where TRow : class
{
    protected RowMember(MemberInfo member, string columnName, DataViewType columnType)
    {
        Member = member;
        ColumnName = columnName;
        ColumnType = columnType;
    }

    public MemberInfo Member { get; }

    public string ColumnName { get; }

    public DataViewType ColumnType { get; }

    public abstract Delegate MakeGetter(Func<TRow> current);

    public abstract Action<TRow> MakeSetter(DataViewRow row, DataViewSchema.Column column);

    /// <summary>Binds <paramref name="member"/> to a column of <paramref name="columnType"/>; null when the types do not match.</summary>
    public static RowMember<TRow>? Create(MemberInfo member, string columnName, DataViewType columnType)
    {
        var memberType = TypeSchema.MemberType(member);
        if (!ValueConverters.CanConvert(memberType, columnType.RawType))
        {
            return null;
        }

        var type = typeof(RowMember<,,>).MakeGenericType(typeof(TRow), memberType, columnType.RawType);
        return (RowMember<TRow>)Activator.CreateInstance(type, member, columnName, columnType)!;
    }
}

internal sealed class RowMember<TRow, TMember, TValue> : RowMember<TRow>
    where TRow : class
{
    private readonly Func<TRow, TMember> _get;
    private readonly Action<TRow, TMember>? _set;
    private readonly ValueConverters.ToColumn<TMember, TValue> _toValue;
    private readonly ValueConverters.FromColumn<TMember, TValue> _fromValue;

    public RowMember(MemberInfo member, string columnName, DataViewType columnType)
        : base(member, columnName, columnType)
    {
        var row = Expression.Parameter(typeof(TRow), "row");
        var access = Expression.MakeMemberAccess(row, member);
        _get = Expression.Lambda<Func<TRow, TMember>>(access, row).Compile();
        if (TypeSchema.IsWritable(member))
        {
            var value = Expression.Parameter(typeof(TMember), "value");
            _set = Expression.Lambda<Action<TRow, TMember>>(Expression.Assign(access, value), row, value).Compile();
        }

        int size = columnType is VectorDataViewType vector ? vector.Size : 0;
        _toValue = ValueConverters.GetToColumn<TMember, TValue>(columnName, size);
        _fromValue = ValueConverters.GetFromColumn<TMember, TValue>();
    }

    public override Delegate MakeGetter(Func<TRow> current) =>
        (ValueGetter<TValue>)((ref TValue value) => _toValue(_get(current()), ref value));

    public override Action<TRow> MakeSetter(DataViewRow row, DataViewSchema.Column column)
    {
        var set = _set ?? throw new InvalidOperationException($"Member '{Member.Name}' of {typeof(TRow).Name} cannot be written.");
        var getter = row.GetGetter<TValue>(column);
        TValue buffer = default!;
        return target =>
        {
            getter(ref buffer);
            set(target, _fromValue(in buffer, _get(target)));
        };
    }
}
