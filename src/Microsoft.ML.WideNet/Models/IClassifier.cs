using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;

namespace Microsoft.ML.WideNet.Models;

/// <summary>Routing statistics of one forward pass, summed over every MoE call (for logging).</summary>
/// <param name="TokensPerExpert">Tokens each expert processed, [E] int64 (on the model's device).</param>
/// <param name="DroppedFraction">Fraction of top-k assignments dropped by capacity, 0-d float32.</param>
public sealed record RoutingStats(Tensor TokensPerExpert, Tensor DroppedFraction);

/// <summary>What a classifier's forward pass returns.</summary>
/// <param name="Logits">[B, K] class scores before softmax.</param>
/// <param name="AuxLoss">The weighted auxiliary (load-balance) loss to add to the task loss, 0-d; null when the model
/// has none (dense models, expert-choice routing).</param>
/// <param name="Routing">Routing statistics, or null for dense models.</param>
public sealed record ClassifierOutput(Tensor Logits, Tensor? AuxLoss, RoutingStats? Routing);

/// <summary>A classification network the training loop can drive: images [B, C, H, W] float32 or token ids [B, L]
/// int64 (with an optional attention mask [B, L] bool) in, logits out.</summary>
public interface IClassifier : IDisposable
{
    /// <summary>The network (parameters, train/eval mode, device moves, state dict).</summary>
    Module Module { get; }

    /// <summary>Runs the network on a batch.</summary>
    /// <param name="input">Images [B, C, H, W] (float32, normalised) or token ids [B, L] (int64).</param>
    /// <param name="attentionMask">For text: [B, L] bool, true at real tokens; null for images.</param>
    ClassifierOutput forward(Tensor input, Tensor? attentionMask = null);
}

/// <summary>A text classifier whose per-token states can be read, e.g. for masked-language-model pretraining.</summary>
public interface ITokenEncoder : IClassifier
{
    /// <summary>Width d of the token states.</summary>
    int HiddenSize { get; }

    /// <summary>Token ids [B, L] (and mask [B, L]) → final token states [B, L, d] and the weighted auxiliary loss
    /// (null when the model has none).</summary>
    (Tensor states, Tensor? auxLoss) encode(Tensor ids, Tensor? attentionMask = null);
}
