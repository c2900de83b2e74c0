using WideNet.Torch;

namespace Microsoft.ML.WideNet.Moe;

/// <summary>What a MoE call returns: never kept in global state, so it composes with sharing and checkpointing.</summary>
/// <param name="Output">[..., d], the weighted expert outputs (zero for tokens no expert took).</param>
/// <param name="AuxLoss">Unweighted load-balance loss E·Σ fᵢ·Pᵢ (0-d), or null for expert-choice routing.</param>
/// <param name="TokensPerExpert">[E] int64: tokens each expert processed.</param>
/// <param name="DroppedFraction">0-d float32: fraction of token→expert assignments dropped by capacity.</param>
public sealed record MoeOutput(Tensor Output, Tensor? AuxLoss, Tensor TokensPerExpert, Tensor DroppedFraction);
