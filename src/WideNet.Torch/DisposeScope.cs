namespace WideNet.Torch;

/// <summary>
/// Frees every tensor created on this thread while the scope is the innermost one, when the scope is disposed —
/// except tensors moved out with <see cref="Tensor.MoveToOuterScope"/> or detached with
/// <see cref="Tensor.DetachFromDisposeScope"/>. A training step inside <c>using var scope =
/// torch.NewDisposeScope();</c> needs no Dispose calls.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] static DisposeScope? _current;
    readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
    bool _disposed;

    internal DisposeScope()
    {
        Outer = _current;
        _current = this;
    }

    /// <summary>The innermost open scope of this thread, or null.</summary>
    public static DisposeScope? Current => _current;

    /// <summary>The scope that was current when this one opened.</summary>
    public DisposeScope? Outer { get; }

    /// <summary>Number of live tensors this scope will free.</summary>
    public int Count => _tensors.Count;

    internal void Attach(Tensor t)
    {
        _tensors.Add(t);
        t.OwningScope = this;
    }

    internal void Forget(Tensor t)
    {
        if (!_disposed) _tensors.Remove(t);
        t.OwningScope = null;
    }

    /// <summary>Moves <paramref name="t"/> into the outer scope (or out of all scopes) and returns it.</summary>
    internal Tensor MoveOut(Tensor t)
    {
        Forget(t);
        Outer?.Attach(t);
        return t;
    }

    /// <summary>Frees the scope's tensors and makes the outer scope current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (_current != this)
            throw new InvalidOperationException("Dispose scopes must be disposed in the reverse order of creation, on the thread that created them.");
        _disposed = true;
        _current = Outer;
        foreach (var t in _tensors)
        {
            t.OwningScope = null;
            t.Dispose();
        }
        _tensors.Clear();
    }
}
