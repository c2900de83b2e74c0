using System.Reflection;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Data.Internal;

/// <summary>
/// Gives every row a number in [0, 1) for train/test and cross-validation splits: a hash of the seed and the row's
/// position, or, with a sampling key column, of the seed and the key value, so that equal keys land together.
/// </summary>
internal sealed class RowSplitter
{
    private readonly IDataView _data;
    private readonly int _seed;
    private readonly DataViewSchema.Column? _keyColumn;

    public RowSplitter(IDataView data, string? samplingKeyColumnName, int seed)
    {
        _data = data;
        _seed = seed;
        if (samplingKeyColumnName is not null)
        {
            _keyColumn = SchemaUtils.GetInput(data.Schema, samplingKeyColumnName, "sampling key");
        }
    }

    public IDataView Select(Func<double, bool> keep) =>
        new FilterDataView(
            _data,
            row =>
            {
                var uniform = CreateUniform(row);
                return () => keep(uniform()) ? FilterDecision.Keep : FilterDecision.Skip;
            },
            _keyColumn is { } key ? [key.Index] : []);

    private Func<double> CreateUniform(DataViewRow row)
    {
        ulong seedHash = Mix((ulong)(uint)_seed ^ 0x9E3779B97F4A7C15UL);
        if (_keyColumn is not { } key)
        {
            return () => ToUnit(Mix(seedHash ^ (ulong)row.Position));
        }

        var hash = (Func<ulong>)typeof(RowSplitter).GetMethod(nameof(MakeHasher), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(key.Type.RawType)
            .Invoke(null, [row, key])!;
        return () => ToUnit(Mix(seedHash ^ hash()));
    }

    private static Func<ulong> MakeHasher<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return Hash(value);
        };
    }

    private static ulong Hash<T>(T value) => value switch
    {
        ReadOnlyMemory<char> text => Fnv(MemoryMarshal.AsBytes(text.Span)),
        float f => (ulong)BitConverter.SingleToInt32Bits(f == 0 ? 0f : f),
        double d => (ulong)BitConverter.DoubleToInt64Bits(d == 0 ? 0d : d),
        bool b => b ? 1UL : 0UL,
        sbyte or short or int or long => unchecked((ulong)Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
        byte or ushort or uint or ulong => Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new NotSupportedException($"A sampling key column of type {typeof(T).Name} is not supported."),
    };

    private static ulong Fnv(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static double ToUnit(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));
}
