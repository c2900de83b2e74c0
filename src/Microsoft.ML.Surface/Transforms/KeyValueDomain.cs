using System.Runtime.InteropServices;

namespace Microsoft.ML.Transforms;

/// <summary>Equality, ordering and missing-value rules of the values that keys can stand for.</summary>
internal static class KeyValueDomain<T>
{
    public static IEqualityComparer<T> Comparer { get; } =
        typeof(T) == typeof(ReadOnlyMemory<char>) ? (IEqualityComparer<T>)(object)new TextComparer() : EqualityComparer<T>.Default;

    public static IComparer<T> Order { get; } =
        typeof(T) == typeof(ReadOnlyMemory<char>) ? (IComparer<T>)(object)new TextComparer() : Comparer<T>.Default;

    /// <summary>Empty text, NaN, and key 0 are missing: they map to key 0 and never get a key of their own.</summary>
    public static bool IsMissing(in T value) => value switch
    {
        ReadOnlyMemory<char> text => text.IsEmpty,
        float f => float.IsNaN(f),
        double d => double.IsNaN(d),
        _ => false,
    };

    private sealed class TextComparer : IEqualityComparer<ReadOnlyMemory<char>>, IComparer<ReadOnlyMemory<char>>
    {
        public bool Equals(ReadOnlyMemory<char> x, ReadOnlyMemory<char> y) => x.Span.SequenceEqual(y.Span);

        public int GetHashCode(ReadOnlyMemory<char> obj) => string.GetHashCode(obj.Span, StringComparison.Ordinal);

        public int Compare(ReadOnlyMemory<char> x, ReadOnlyMemory<char> y) => x.Span.SequenceCompareTo(y.Span);
    }
}
