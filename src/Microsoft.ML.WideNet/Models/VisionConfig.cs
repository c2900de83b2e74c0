namespace Microsoft.ML.WideNet.Models;

/// <summary>Size and routing settings of a vision transformer (WideNet, ViT, ViT-MoE).</summary>
public sealed record VisionConfig
{
    /// <summary>Input height and width in pixels.</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>Patch side in pixels.</summary>
    public int PatchSize { get; init; } = 16;
    /// <summary>Image channels.</summary>
    public int Channels { get; init; } = 3;
    /// <summary>Number of classes.</summary>
    public int NumClasses { get; init; } = 1000;
    /// <summary>Hidden size d.</summary>
    public int Dim { get; init; } = 768;
    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 12;
    /// <summary>Blocks T.</summary>
    public int Depth { get; init; } = 12;
    /// <summary>FFN hidden size (per expert for MoE layers).</summary>
    public int Hidden { get; init; } = 4096;
    /// <summary>Experts E.</summary>
    public int NumExperts { get; init; } = 4;
    /// <summary>Experts per token k.</summary>
    public int TopK { get; init; } = 2;
    /// <summary>Capacity factor in training (1.2 for WideNet vision).</summary>
    public double CapacityFactor { get; init; } = 1.2;
    /// <summary>Capacity factor in evaluation.</summary>
    public double EvalCapacityFactor { get; init; } = 2.0;
    /// <summary>Dropout after the embedding and inside FFNs.</summary>
    public double Dropout { get; init; } = 0.1;
    /// <summary>Weight λ of the load-balance loss (0.01).</summary>
    public double AuxLossWeight { get; init; } = 0.01;
    /// <summary>ViT-MoE: how many of the last blocks use MoE instead of a dense FFN.</summary>
    public int MoeLayers { get; init; } = 2;
    /// <summary>Seed of the parameter initialisation.</summary>
    public ulong Seed { get; init; } = 0;

    /// <summary>A convolutional stem before the patch projection *(a departure from the papers; see
    /// <see cref="Nn.PatchEmbed"/>)*; the token grid stays ⌈ImageSize / 2ⁿ⌉ for n = ⌈log₂ PatchSize⌉.</summary>
    public bool ConvStem { get; init; }

    /// <summary>Tokens per image.</summary>
    public int NumPatches => Nn.PatchEmbed.GridSide(ImageSize, PatchSize, ConvStem) * Nn.PatchEmbed.GridSide(ImageSize, PatchSize, ConvStem);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public VisionConfig Validate()
    {
        if (!ConvStem && ImageSize % PatchSize != 0) throw new ArgumentException($"image size {ImageSize} is not a multiple of patch size {PatchSize}");
        if (Dim % Heads != 0) throw new ArgumentException($"hidden size {Dim} is not divisible by {Heads} heads");
        if (TopK < 1 || TopK > NumExperts) throw new ArgumentException($"top-k {TopK} must be between 1 and the number of experts {NumExperts}");
        if (NumClasses < 2) throw new ArgumentException($"need at least 2 classes, got {NumClasses}");
        return this;
    }
}
