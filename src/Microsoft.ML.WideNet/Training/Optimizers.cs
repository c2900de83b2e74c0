using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;
using WideNet.Torch.Optim;

namespace Microsoft.ML.WideNet.Training;

/// <summary>Which optimizer trains the network.</summary>
public enum OptimizerKind
{
    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
    /// <summary>LAMB (layer-wise trust ratio; the WideNet paper's optimizer for large batches).</summary>
    Lamb,
}

/// <summary>Builds optimizers with the usual two parameter groups.</summary>
public static class Optimizers
{
    /// <summary>True for parameters that get no weight decay: vectors and scalars (biases, LayerNorm/RMSNorm
    /// weights), anything named like a norm or bias, position-embedding tables and class tokens.</summary>
    public static bool IsNoDecay(string name, Tensor parameter)
    {
        if (parameter.dim() <= 1) return true;
        var n = name.ToLowerInvariant();
        var leaf = n[(n.LastIndexOf('.') + 1)..];
        if (leaf == "bias") return true;
        foreach (var part in n.Split('.'))
        {
            if (part.Contains("norm") || part.StartsWith("ln") || part.Contains("layernorm")) return true;
            if (part.Contains("pos_emb") || part.Contains("position") || part == "pos" || part.StartsWith("pos_") || part.Contains("cls_token")) return true;
        }
        return false;
    }

    /// <summary>Two groups over <paramref name="module"/>'s trainable parameters (frozen ones, requires_grad false, are
    /// left out): with weight decay and without (see <see cref="IsNoDecay"/>). Parameter order inside each group follows <see cref="Module.named_parameters"/>.</summary>
    public static ParamGroup[] ParameterGroups(Module module, double weightDecay)
    {
        var decay = new List<Tensor>();
        var noDecay = new List<Tensor>();
        foreach (var (name, p) in module.named_parameters().Where(p => p.parameter.requires_grad)) (IsNoDecay(name, p) ? noDecay : decay).Add(p);
        var groups = new List<ParamGroup>();
        if (decay.Count > 0) groups.Add(new ParamGroup(decay, weightDecay));
        if (noDecay.Count > 0) groups.Add(new ParamGroup(noDecay, 0.0));
        return groups.ToArray();
    }

    /// <summary>Creates the optimizer of <paramref name="kind"/> over the two parameter groups of <paramref name="module"/>.
    /// Move the module to its device first.</summary>
    public static Optimizer Create(OptimizerKind kind, Module module, double learningRate, double weightDecay,
                                   double beta1 = 0.9, double beta2 = 0.999, double? eps = null)
    {
        var groups = ParameterGroups(module, weightDecay);
        return kind switch
        {
            OptimizerKind.AdamW => new AdamW(groups, learningRate, beta1, beta2, eps ?? 1e-8, weightDecay),
            OptimizerKind.Lamb => new Lamb(groups, learningRate, beta1, beta2, eps ?? 1e-6, weightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown optimizer"),
        };
    }
}
