using System.Reflection;

namespace Microsoft.ML.Data.Internal;

/// <summary>Copies values of a raw column type so that the copy shares no buffer with the source.</summary>
internal static class ValueCopy<T>
{
    private delegate void Copier(in T source, ref T destination);

    private static readonly Copier Impl = Create();

    public static void Copy(in T source, ref T destination) => Impl(in source, ref destination);

    private static Copier Create()
    {
        if (typeof(T).IsGenericType && typeof(T).GetGenericTypeDefinition() == typeof(VBuffer<>))
        {
            var method = typeof(ValueCopy<T>).GetMethod(nameof(CopyVector), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(typeof(T).GetGenericArguments()[0]);
            return (Copier)Delegate.CreateDelegate(typeof(Copier), method);
        }

        return (in T source, ref T destination) => destination = source;
    }

    private static void CopyVector<TItem>(in VBuffer<TItem> source, ref VBuffer<TItem> destination) =>
        source.CopyTo(ref destination);
}
