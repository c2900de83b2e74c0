namespace Microsoft.ML.Data.Internal;

/// <summary>
/// A growable array of values of one column, filled from a row's getter and served back through getters. Vector
/// values are deep-copied both ways so stored rows never share buffers with their readers.
/// </summary>
internal abstract class ValueStore
{
    public static ValueStore Create(DataViewType type) =>
        (ValueStore)Activator.CreateInstance(type is VectorDataViewType vector
            ? typeof(VectorValueStore<>).MakeGenericType(vector.ItemType.RawType)
            : typeof(ValueStore<>).MakeGenericType(type.RawType))!;

    /// <summary>Binds the source getter: the column of <paramref name="row"/> that later captures read.</summary>
    public abstract void Bind(DataViewRow row, DataViewSchema.Column column);

    /// <summary>Reads the bound getter's current value into <paramref name="slot"/>.</summary>
    public abstract void Capture(int slot);

    /// <summary>A getter reading the value at the slot that <paramref name="slot"/> returns.</summary>
    public abstract Delegate MakeGetter(Func<int> slot);

    /// <summary>Swaps two slots.</summary>
    public abstract void Swap(int a, int b);

    /// <summary>Makes room for <paramref name="count"/> slots.</summary>
    public abstract void EnsureCapacity(int count);
}

internal class ValueStore<T> : ValueStore
{
    private T[] _items = new T[16];
    private ValueGetter<T>? _source;

    public Span<T> Items => _items;

    public override void Bind(DataViewRow row, DataViewSchema.Column column) => _source = row.GetGetter<T>(column);

    public override void Capture(int slot)
    {
        Ensure(slot);
        Read(_source ?? throw new InvalidOperationException("The store has no source."), ref _items[slot]);
    }

    public override Delegate MakeGetter(Func<int> slot) =>
        (ValueGetter<T>)((ref T value) => Write(in _items[slot()], ref value));

    public override void Swap(int a, int b) => (_items[a], _items[b]) = (_items[b], _items[a]);

    public override void EnsureCapacity(int count) => Ensure(count - 1);

    public void Ensure(int slot)
    {
        if (slot >= _items.Length)
        {
            Array.Resize(ref _items, Math.Max(slot + 1, _items.Length * 2));
        }
    }

    protected virtual void Read(ValueGetter<T> source, ref T stored) => source(ref stored);

    protected virtual void Write(in T stored, ref T destination) => destination = stored;
}

internal sealed class VectorValueStore<TItem> : ValueStore<VBuffer<TItem>>
{
    private VBuffer<TItem> _scratch;

    protected override void Read(ValueGetter<VBuffer<TItem>> source, ref VBuffer<TItem> stored)
    {
        source(ref _scratch);
        _scratch.CopyTo(ref stored);
    }

    protected override void Write(in VBuffer<TItem> stored, ref VBuffer<TItem> destination) => stored.CopyTo(ref destination);
}
