using WideNet.Torch;

namespace Microsoft.ML.WideNet.Nn;

/// <summary>
/// Base of every network part (torch.nn.Module): named parameters and submodules with PyTorch's state-dict names
/// (<c>blocks.3.ln_att.weight</c>), train/eval mode, device moves and parameter counting. Parameters are leaf tensors
/// that require gradients and belong to no dispose scope; the module frees them when disposed.
/// A module registered under two names (weight sharing) is one object: its parameters are listed once, under the
/// first name.
/// </summary>
public abstract class Module : IDisposable
{
    readonly List<(string name, Tensor tensor)> _parameters = new();
    readonly List<(string name, Tensor tensor)> _buffers = new();
    readonly List<(string name, Module module)> _modules = new();
    bool _disposed;

    /// <summary>True in training mode (dropout active, routing noise on), false after <see cref="eval"/>.</summary>
    public bool training { get; private set; } = true;

    /// <summary>Registers a trainable parameter (takes ownership) and returns it.</summary>
    protected Tensor RegisterParameter(string name, Tensor value)
    {
        CheckName(name);
        value.DetachFromDisposeScope();
        if (!value.requires_grad) value.requires_grad_();
        _parameters.Add((name, value));
        return value;
    }

    /// <summary>Registers a non-trainable tensor saved with the state (takes ownership) and returns it.</summary>
    protected Tensor RegisterBuffer(string name, Tensor value)
    {
        CheckName(name);
        value.DetachFromDisposeScope();
        _buffers.Add((name, value));
        return value;
    }

    /// <summary>Registers a submodule and returns it.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        _modules.Add((name, module));
        return module;
    }

    void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.')) throw new ArgumentException($"invalid member name '{name}'");
        if (_parameters.Any(p => p.name == name) || _buffers.Any(b => b.name == name) || _modules.Any(m => m.name == name))
            throw new ArgumentException($"'{name}' is already registered in {GetType().Name}");
    }

    /// <summary>Direct submodules with their names.</summary>
    public IEnumerable<(string name, Module module)> named_children() => _modules;

    /// <summary>Every parameter with its dotted name, each tensor once (shared modules under their first name).</summary>
    public IEnumerable<(string name, Tensor parameter)> named_parameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (n, t) in Walk("", m => m._parameters))
            if (seen.Add(t)) yield return (n, t);
    }

    /// <summary>Every buffer with its dotted name, each once.</summary>
    public IEnumerable<(string name, Tensor buffer)> named_buffers()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (n, t) in Walk("", m => m._buffers))
            if (seen.Add(t)) yield return (n, t);
    }

    /// <summary>Every parameter, each once.</summary>
    public IEnumerable<Tensor> parameters() => named_parameters().Select(p => p.parameter);

    /// <summary>Every module in the tree (this one first), each once, with its dotted name.</summary>
    public IEnumerable<(string name, Module module)> named_modules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(string, Module)>();
        stack.Push(("", this));
        while (stack.Count > 0)
        {
            var (name, m) = stack.Pop();
            if (!seen.Add(m)) continue;
            yield return (name, m);
            for (var i = m._modules.Count - 1; i >= 0; i--)
                stack.Push((name.Length == 0 ? m._modules[i].name : name + "." + m._modules[i].name, m._modules[i].module));
        }
    }

    IEnumerable<(string, Tensor)> Walk(string prefix, Func<Module, List<(string, Tensor)>> select)
    {
        foreach (var (name, m) in named_modules())
        {
            var p = prefix + (name.Length == 0 ? "" : name + ".");
            foreach (var (n, t) in select(m)) yield return (p + n, t);
        }
    }

    /// <summary>Parameters and buffers by name (what a checkpoint or a saved model holds).</summary>
    public Dictionary<string, Tensor> state_dict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (n, t) in named_parameters()) d[n] = t;
        foreach (var (n, t) in named_buffers()) d[n] = t;
        return d;
    }

    /// <summary>Copies values into the parameters and buffers. With <paramref name="strict"/>, missing or unexpected
    /// names throw; a shape mismatch always throws naming the tensor and both shapes.</summary>
    public void load_state_dict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var own = state_dict();
        if (strict)
        {
            var missing = own.Keys.Except(state.Keys).ToList();
            var unexpected = state.Keys.Except(own.Keys).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
                throw new InvalidDataException(
                    $"state does not match {GetType().Name}: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
        }
        using var _ = torch.no_grad();
        foreach (var (name, target) in own)
        {
            if (!state.TryGetValue(name, out var src)) continue;
            if (!src.shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"'{name}': saved shape [{string.Join(", ", src.shape)}] does not match the model's [{string.Join(", ", target.shape)}]");
            target.copy_(src);
        }
    }

    /// <summary>Number of scalar parameters (shared ones counted once).</summary>
    public long parameter_count() => parameters().Sum(p => p.numel());

    /// <summary>Sets training mode on this module and every submodule; returns this.</summary>
    public Module train(bool on = true)
    {
        foreach (var (_, m) in named_modules()) m.training = on;
        return this;
    }

    /// <summary>Sets evaluation mode (no dropout, no routing noise); returns this.</summary>
    public Module eval() => train(false);

    /// <summary>Moves every parameter and buffer to <paramref name="device"/> (and optionally casts floating ones),
    /// keeping them the same tensor objects (their data is replaced in place). Call before creating an optimizer.</summary>
    public Module to(Device device, ScalarType? dtype = null)
    {
        foreach (var (_, m) in named_modules())
        {
            Move(m._parameters, device, dtype, true);
            Move(m._buffers, device, dtype, false);
        }
        return this;
    }

    static void Move(List<(string name, Tensor tensor)> list, Device device, ScalarType? dtype, bool isParameter)
    {
        foreach (var (_, t) in list)
        {
            var targetType = dtype is { } d && t.dtype.IsFloatingPoint() ? d : t.dtype;
            if (t.device == device && t.dtype == targetType) continue;
            using var _ = torch.no_grad();
            using var moved = t.to(device, targetType);
            t.set_data(moved); // same tensor object: fields of subclasses stay valid
        }
    }

    /// <summary>Frees every parameter and buffer of the tree.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, m) in named_modules())
        {
            foreach (var (_, t) in m._parameters) t.Dispose();
            foreach (var (_, t) in m._buffers) t.Dispose();
            m._disposed = true;
        }
        GC.SuppressFinalize(this);
    }
}
