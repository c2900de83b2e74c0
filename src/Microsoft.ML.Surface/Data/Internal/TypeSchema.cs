using System.Reflection;

namespace Microsoft.ML.Data.Internal;

/// <summary>How the public fields and properties of a row class map to columns (ML.NET's schema inference).</summary>
internal static class TypeSchema
{
    /// <summary>Public instance fields and read/write properties that are not marked <see cref="NoColumnAttribute"/>.</summary>
    public static IEnumerable<MemberInfo> ColumnMembers(Type type)
    {
        foreach (var member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance))
        {
            bool eligible = member switch
            {
                FieldInfo => true,
                PropertyInfo property => property.CanRead && property.GetIndexParameters().Length == 0,
                _ => false,
            };
            if (eligible && member.GetCustomAttribute<NoColumnAttribute>() is null)
            {
                yield return member;
            }
        }
    }

    public static Type MemberType(MemberInfo member) => member switch
    {
        FieldInfo field => field.FieldType,
        PropertyInfo property => property.PropertyType,
        _ => throw new ArgumentException($"Member {member.Name} is not a field or property."),
    };

    public static bool IsWritable(MemberInfo member) => member switch
    {
        FieldInfo field => !field.IsInitOnly,
        PropertyInfo property => property.CanWrite && property.SetMethod is { IsPublic: true },
        _ => false,
    };

    public static string ColumnName(MemberInfo member) => member.GetCustomAttribute<ColumnNameAttribute>()?.Name ?? member.Name;

    /// <summary>The column type of <paramref name="member"/>, or null when its .NET type has no column type.</summary>
    public static DataViewType? InferColumnType(MemberInfo member, int? loadColumnCount = null)
    {
        var type = MemberType(member);
        Type itemType;
        bool isVector;
        if (type.IsArray && type.GetArrayRank() == 1)
        {
            itemType = type.GetElementType()!;
            isVector = true;
        }
        else if (ValueConverters.VectorItem(type) is { } vbufferItem)
        {
            itemType = vbufferItem;
            isVector = true;
        }
        else
        {
            itemType = type;
            isVector = false;
        }

        var item = PrimitiveType(itemType, member.GetCustomAttribute<KeyTypeAttribute>());
        if (item is null)
        {
            return null;
        }

        if (!isVector)
        {
            return item;
        }

        var dims = member.GetCustomAttribute<VectorTypeAttribute>()?.Dims;
        if ((dims is null || dims.Length == 0) && loadColumnCount is > 1)
        {
            dims = [loadColumnCount.Value];
        }

        return new VectorDataViewType(item, dims ?? []);
    }

    private static PrimitiveDataViewType? PrimitiveType(Type itemType, KeyTypeAttribute? key)
    {
        if (key is not null)
        {
            if (!KeyDataViewType.IsValidDataType(itemType))
            {
                throw new InvalidOperationException($"[KeyType] needs a byte, ushort, uint or ulong member, not {itemType.Name}.");
            }

            ulong max = itemType == typeof(byte) ? byte.MaxValue : itemType == typeof(ushort) ? ushort.MaxValue : itemType == typeof(uint) ? uint.MaxValue : ulong.MaxValue - 1;
            return new KeyDataViewType(itemType, key.KeyCount ?? max);
        }

        if (itemType == typeof(string) || itemType == typeof(ReadOnlyMemory<char>))
        {
            return TextDataViewType.Instance;
        }

        if (itemType == typeof(bool))
        {
            return BooleanDataViewType.Instance;
        }

        return NumberDataViewType.FromRawType(itemType);
    }

    /// <summary>Maps every column member of <typeparamref name="TRow"/> for reading rows out of objects.</summary>
    public static List<RowMember<TRow>> ForReading<TRow>()
        where TRow : class
    {
        var result = new List<RowMember<TRow>>();
        foreach (var member in ColumnMembers(typeof(TRow)))
        {
            var type = InferColumnType(member, member.GetCustomAttribute<LoadColumnAttribute>()?.ColumnIndexes.Length)
                ?? throw new InvalidOperationException($"Member '{member.Name}' of {typeof(TRow).Name} has type {MemberType(member).Name}, which has no column type. Mark it [NoColumn] to skip it.");
            result.Add(RowMember<TRow>.Create(member, ColumnName(member), type)!);
        }

        return result;
    }
}
