using Microsoft.ML.WideNet.Moe;
using WideNet.Torch;

namespace Microsoft.ML.WideNet.Models;

/// <summary>Adds up what the MoE calls of one forward pass return (balance losses, tokens per expert, dropped
/// fractions) and turns the totals into a <see cref="ClassifierOutput"/>. Used inside the model's dispose scope:
/// <see cref="Output"/> moves the results out of it.</summary>
internal sealed class MoeTotals
{
    Tensor? _aux, _perExpert, _dropped;
    int _calls;

    /// <summary>Counts one MoE call.</summary>
    public void Add(MoeOutput m)
    {
        if (m.AuxLoss is { } a) _aux = _aux is null ? a : _aux + a;
        _perExpert = _perExpert is null ? m.TokensPerExpert : _perExpert + m.TokensPerExpert;
        _dropped = _dropped is null ? m.DroppedFraction : _dropped + m.DroppedFraction;
        _calls++;
    }

    /// <summary>Logits plus λ·Σ aux losses (null when no call had one) and the routing statistics (tokens per expert
    /// summed, dropped fraction averaged over calls; null when there was no MoE call).</summary>
    public ClassifierOutput Output(Tensor logits, double auxLossWeight)
    {
        var aux = _aux is null ? null : (_aux * auxLossWeight).MoveToOuterScope();
        var routing = _perExpert is null ? null : new RoutingStats(_perExpert.MoveToOuterScope(), (_dropped! / _calls).MoveToOuterScope());
        return new ClassifierOutput(logits.MoveToOuterScope(), aux, routing);
    }
}
