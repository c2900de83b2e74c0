using System.Reflection;

namespace Microsoft.ML.Data.Internal;

/// <summary>
/// Conversions between the .NET types of row-class members and the raw types of columns: identical types,
/// <see cref="string"/> and text, arrays and <see cref="VBuffer{T}"/>.
/// </summary>
internal static class ValueConverters
{
    public delegate void ToColumn<TMember, TValue>(TMember member, ref TValue value);

    public delegate TMember FromColumn<TMember, TValue>(in TValue value, TMember previous);

    public static bool CanConvert(Type memberType, Type rawType)
    {
        if (memberType == rawType)
        {
            return true;
        }

        var item = VectorItem(rawType);
        return (memberType == typeof(string) && rawType == typeof(ReadOnlyMemory<char>))
            || (memberType.IsArray && item is not null && CanConvertItem(memberType.GetElementType()!, item));
    }

    private static bool CanConvertItem(Type memberItem, Type rawItem) =>
        memberItem == rawItem || (memberItem == typeof(string) && rawItem == typeof(ReadOnlyMemory<char>));

    public static Type? VectorItem(Type rawType) =>
        rawType.IsGenericType && rawType.GetGenericTypeDefinition() == typeof(VBuffer<>) ? rawType.GetGenericArguments()[0] : null;

    public static ToColumn<TMember, TValue> GetToColumn<TMember, TValue>(string columnName, int size)
    {
        if (typeof(TMember) == typeof(TValue))
        {
            return (ToColumn<TMember, TValue>)(object)(ToColumn<TValue, TValue>)((TValue m, ref TValue v) => ValueCopy<TValue>.Copy(in m, ref v));
        }

        if (typeof(TMember) == typeof(string))
        {
            return (ToColumn<TMember, TValue>)(object)(ToColumn<string?, ReadOnlyMemory<char>>)((string? m, ref ReadOnlyMemory<char> v) => v = (m ?? string.Empty).AsMemory());
        }

        var memberItem = typeof(TMember).GetElementType()!;
        var rawItem = VectorItem(typeof(TValue))!;
        string name = memberItem == rawItem ? nameof(ArrayToVector) : nameof(StringsToText);
        var method = typeof(ValueConverters).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;
        if (name == nameof(ArrayToVector))
        {
            method = method.MakeGenericMethod(rawItem);
        }

        return (ToColumn<TMember, TValue>)method.Invoke(null, [columnName, size])!;
    }

    public static FromColumn<TMember, TValue> GetFromColumn<TMember, TValue>()
    {
        if (typeof(TMember) == typeof(TValue))
        {
            return (FromColumn<TMember, TValue>)(object)(FromColumn<TValue, TValue>)((in TValue v, TValue previous) =>
            {
                TValue copy = default!;
                ValueCopy<TValue>.Copy(in v, ref copy);
                return copy;
            });
        }

        if (typeof(TMember) == typeof(string))
        {
            return (FromColumn<TMember, TValue>)(object)(FromColumn<string, ReadOnlyMemory<char>>)((in ReadOnlyMemory<char> v, string previous) => v.ToString());
        }

        var memberItem = typeof(TMember).GetElementType()!;
        var rawItem = VectorItem(typeof(TValue))!;
        if (memberItem == rawItem)
        {
            var method = typeof(ValueConverters).GetMethod(nameof(VectorToArray), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(rawItem);
            return (FromColumn<TMember, TValue>)method.Invoke(null, [])!;
        }

        return (FromColumn<TMember, TValue>)(object)(FromColumn<string[], VBuffer<ReadOnlyMemory<char>>>)((in VBuffer<ReadOnlyMemory<char>> v, string[] previous) =>
            v.DenseValues().Select(t => t.ToString()).ToArray());
    }

    private static ToColumn<T[]?, VBuffer<T>> ArrayToVector<T>(string columnName, int size) =>
        (T[]? member, ref VBuffer<T> value) =>
        {
            var source = member ?? [];
            CheckSize(columnName, size, source.Length);
            var editor = VBufferEditor.Create(ref value, source.Length);
            source.CopyTo(editor.Values);
            value = editor.Commit();
        };

    private static ToColumn<string?[]?, VBuffer<ReadOnlyMemory<char>>> StringsToText(string columnName, int size) =>
        (string?[]? member, ref VBuffer<ReadOnlyMemory<char>> value) =>
        {
            var source = member ?? [];
            CheckSize(columnName, size, source.Length);
            var editor = VBufferEditor.Create(ref value, source.Length);
            for (int i = 0; i < source.Length; i++)
            {
                editor.Values[i] = (source[i] ?? string.Empty).AsMemory();
            }

            value = editor.Commit();
        };

    private static FromColumn<T[], VBuffer<T>> VectorToArray<T>() =>
        (in VBuffer<T> value, T[] previous) =>
        {
            var result = previous is not null && previous.Length == value.Length ? previous : new T[value.Length];
            value.CopyTo(result);
            return result;
        };

    private static void CheckSize(string columnName, int size, int actual)
    {
        if (size > 0 && actual != size)
        {
            throw new InvalidOperationException($"Column '{columnName}' is a vector of size {size}, but a row holds {actual} values.");
        }
    }
}
