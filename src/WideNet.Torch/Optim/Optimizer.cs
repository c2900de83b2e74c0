namespace WideNet.Torch.Optim;

/// <summary>Parameters that share a weight decay (e.g. no decay for biases and norms).</summary>
/// <param name="Parameters">The leaf tensors to update.</param>
/// <param name="WeightDecay">Decay for this group; null uses the optimizer's.</param>
public sealed record ParamGroup(IReadOnlyList<Tensor> Parameters, double? WeightDecay = null);

/// <summary>Base of the Adam-family optimizers: keeps first and second moments per parameter and runs the update
/// natively, in place, with no host synchronisation.</summary>
public abstract class Optimizer : IDisposable
{
    readonly List<(ParamGroup group, Tensor[] m, Tensor[] v)> _state = new();

    /// <summary>Creates the optimizer state (zero moments) for the groups.</summary>
    protected Optimizer(IEnumerable<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weightDecay)
    {
        LearningRate = lr; Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay;
        using var _ = torch.no_grad();
        foreach (var g in groups)
        {
            var m = g.Parameters.Select(p => torch.zeros(p.shape, p.dtype, p.device).DetachFromDisposeScope()).ToArray();
            var v = g.Parameters.Select(p => torch.zeros(p.shape, p.dtype, p.device).DetachFromDisposeScope()).ToArray();
            _state.Add((g, m, v));
        }
    }

    /// <summary>Learning rate of the next step (schedules set it before each step).</summary>
    public double LearningRate { get; set; }
    /// <summary>Decay rate of the first moment.</summary>
    public double Beta1 { get; }
    /// <summary>Decay rate of the second moment.</summary>
    public double Beta2 { get; }
    /// <summary>Denominator epsilon.</summary>
    public double Eps { get; }
    /// <summary>Default weight decay of groups that set none.</summary>
    public double WeightDecay { get; }
    /// <summary>Number of steps taken.</summary>
    public long StepCount { get; private set; }

    /// <summary>All parameters, in group order.</summary>
    public IEnumerable<Tensor> Parameters => _state.SelectMany(s => s.group.Parameters);

    /// <summary>Applies one update from the parameters' current gradients.</summary>
    public void step()
    {
        StepCount++;
        foreach (var (group, m, v) in _state)
        {
            var p = group.Parameters.Select(t => t.RawHandle).ToArray();
            var mh = m.Select(t => t.RawHandle).ToArray();
            var vh = v.Select(t => t.RawHandle).ToArray();
            var status = Update(p, mh, vh, group.WeightDecay ?? WeightDecay, StepCount);
            GC.KeepAlive(group); GC.KeepAlive(m); GC.KeepAlive(v);
            Native.Check.Status(status, GetType().Name + ".step");
        }
    }

    /// <summary>Runs the native update for one group; returns the native status.</summary>
    protected abstract int Update(IntPtr[] parameters, IntPtr[] expAvg, IntPtr[] expAvgSq, double weightDecay, long step);

    /// <summary>Clears (drops) every parameter's gradient, as <c>zero_grad(set_to_none=True)</c>.</summary>
    public void zero_grad()
    {
        foreach (var p in Parameters) p.grad = null;
    }

    /// <summary>The moment tensors of every parameter (for checkpoints): names m.{i} and v.{i} in parameter order.</summary>
    public IEnumerable<(string name, Tensor tensor)> StateTensors()
    {
        var i = 0;
        foreach (var (_, m, v) in _state)
            for (var j = 0; j < m.Length; j++, i++)
            {
                yield return ($"m.{i}", m[j]);
                yield return ($"v.{i}", v[j]);
            }
    }

    /// <summary>Restores the step count after loading checkpointed moments into <see cref="StateTensors"/>.</summary>
    public void RestoreStepCount(long steps) => StepCount = steps;

    /// <summary>Frees the moment tensors.</summary>
    public void Dispose()
    {
        foreach (var (_, m, v) in _state)
        {
            foreach (var t in m) t.Dispose();
            foreach (var t in v) t.Dispose();
        }
        _state.Clear();
        GC.SuppressFinalize(this);
    }
}

/// <summary>AdamW (decoupled weight decay), matching torch.optim.AdamW step for step.</summary>
public sealed class AdamW : Optimizer
{
    /// <summary>Creates AdamW over one group of parameters.</summary>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01)
        : this(new[] { new ParamGroup(parameters.ToArray()) }, lr, beta1, beta2, eps, weight_decay) { }

    /// <summary>Creates AdamW over parameter groups.</summary>
    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01)
        : base(groups, lr, beta1, beta2, eps, weight_decay) { }

    /// <inheritdoc/>
    protected override int Update(IntPtr[] p, IntPtr[] m, IntPtr[] v, double wd, long step) =>
        Native.NativeMethods.wn_adamw_step(p, m, v, p.Length, LearningRate, Beta1, Beta2, Eps, wd, step);
}

/// <summary>LAMB (layer-wise adaptive moments, You et al. 2020): Adam moments with bias correction, decoupled weight
/// decay inside the update, and a per-tensor trust ratio ‖w‖/‖update‖. The optimizer of the WideNet paper.</summary>
public sealed class Lamb : Optimizer
{
    /// <summary>Creates LAMB over one group of parameters.</summary>
    public Lamb(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-6, double weight_decay = 0.01)
        : this(new[] { new ParamGroup(parameters.ToArray()) }, lr, beta1, beta2, eps, weight_decay) { }

    /// <summary>Creates LAMB over parameter groups.</summary>
    public Lamb(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-6, double weight_decay = 0.01)
        : base(groups, lr, beta1, beta2, eps, weight_decay) { }

    /// <inheritdoc/>
    protected override int Update(IntPtr[] p, IntPtr[] m, IntPtr[] v, double wd, long step) =>
        Native.NativeMethods.wn_lamb_step(p, m, v, p.Length, LearningRate, Beta1, Beta2, Eps, wd, step);
}
