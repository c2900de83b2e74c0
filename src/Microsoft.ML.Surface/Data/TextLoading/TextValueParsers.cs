using System.Globalization;
using System.Numerics;

namespace Microsoft.ML.Data.Internal;

/// <summary>
/// Parses text fields into column values with ML.NET's rules: <c>?</c> and <c>NaN</c> are NaN for floating point,
/// while an empty or blank field (or one missing at the end of a row) is 0, as ML.NET's TextLoader does unless its
/// <c>MissingRealsAsNaNs</c> option is set; empty is 0 for integers and false for booleans; keys are written 0-based in text and stored 1-based, with
/// empty or <c>?</c> meaning missing (0).
/// </summary>
internal static class TextValueParsers
{
    public delegate bool Parser<T>(ReadOnlyMemory<char> text, out T value);

    public static Parser<T> Get<T>(PrimitiveDataViewType type) => (Parser<T>)Create(type);

    private static Delegate Create(PrimitiveDataViewType type)
    {
        if (type is KeyDataViewType key)
        {
            ulong count = key.Count;
            return key.RawType == typeof(uint) ? (Parser<uint>)((ReadOnlyMemory<char> t, out uint v) => { bool ok = TryKey(t, count, out ulong k); v = (uint)k; return ok; })
                : key.RawType == typeof(ulong) ? (Parser<ulong>)((ReadOnlyMemory<char> t, out ulong v) => TryKey(t, count, out v))
                : key.RawType == typeof(ushort) ? (Parser<ushort>)((ReadOnlyMemory<char> t, out ushort v) => { bool ok = TryKey(t, count, out ulong k); v = (ushort)k; return ok; })
                : (Parser<byte>)((ReadOnlyMemory<char> t, out byte v) => { bool ok = TryKey(t, count, out ulong k); v = (byte)k; return ok; });
        }

        var raw = type.RawType;
        if (raw == typeof(ReadOnlyMemory<char>))
        {
            return (Parser<ReadOnlyMemory<char>>)((ReadOnlyMemory<char> t, out ReadOnlyMemory<char> v) => { v = t; return true; });
        }

        if (raw == typeof(float))
        {
            return (Parser<float>)((ReadOnlyMemory<char> t, out float v) => TryFloat(t.Span, out v));
        }

        if (raw == typeof(double))
        {
            return (Parser<double>)((ReadOnlyMemory<char> t, out double v) => TryDouble(t.Span, out v));
        }

        if (raw == typeof(bool))
        {
            return (Parser<bool>)((ReadOnlyMemory<char> t, out bool v) => TryBool(t.Span.Trim(), out v));
        }

        return raw == typeof(sbyte) ? Integer<sbyte>()
            : raw == typeof(byte) ? Integer<byte>()
            : raw == typeof(short) ? Integer<short>()
            : raw == typeof(ushort) ? Integer<ushort>()
            : raw == typeof(int) ? Integer<int>()
            : raw == typeof(uint) ? Integer<uint>()
            : raw == typeof(long) ? Integer<long>()
            : raw == typeof(ulong) ? Integer<ulong>()
            : throw new NotSupportedException($"Columns of type {type} cannot be loaded from text.");
    }

    private static Parser<T> Integer<T>()
        where T : IBinaryInteger<T> =>
        (ReadOnlyMemory<char> t, out T v) =>
        {
            var span = t.Span.Trim();
            if (span.IsEmpty)
            {
                v = T.Zero;
                return true;
            }

            bool ok = T.TryParse(span, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed);
            v = ok ? parsed! : T.Zero;
            return ok;
        };

    private static bool TryFloat(ReadOnlySpan<char> span, out float value)
    {
        span = span.Trim();
        if (span.IsEmpty)
        {
            value = 0;
            return true;
        }

        if (span is "?")
        {
            value = float.NaN;
            return true;
        }

        return float.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryDouble(ReadOnlySpan<char> span, out double value)
    {
        span = span.Trim();
        if (span.IsEmpty)
        {
            value = 0;
            return true;
        }

        if (span is "?")
        {
            value = double.NaN;
            return true;
        }

        return double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryBool(ReadOnlySpan<char> span, out bool value)
    {
        value = false;
        if (span.IsEmpty)
        {
            return true;
        }

        foreach (var truthy in (ReadOnlySpan<string>)["true", "t", "yes", "y", "1", "+1"])
        {
            if (span.Equals(truthy, StringComparison.OrdinalIgnoreCase))
            {
                value = true;
                return true;
            }
        }

        foreach (var falsy in (ReadOnlySpan<string>)["false", "f", "no", "n", "0", "-1"])
        {
            if (span.Equals(falsy, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryKey(ReadOnlyMemory<char> text, ulong count, out ulong value)
    {
        var span = text.Span.Trim();
        value = 0;
        if (span.IsEmpty || span is "?")
        {
            return true;
        }

        if (!ulong.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out ulong parsed) || parsed >= count)
        {
            return false;
        }

        value = parsed + 1;
        return true;
    }
}
