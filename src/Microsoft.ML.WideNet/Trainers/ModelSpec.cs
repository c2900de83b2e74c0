using Microsoft.ML.WideNet.Models;

namespace Microsoft.ML.WideNet;

/// <summary>Everything needed to rebuild a trained network: the family and exactly one configuration. Saved as JSON
/// with the model; the weights travel separately (safetensors).</summary>
internal sealed class ModelSpec
{
    public ModelArchitecture Architecture { get; set; }
    public VisionConfig? Vision { get; set; }
    public TextConfig? Text { get; set; }
    public BrainformerConfig? Brainformer { get; set; }

    public IClassifier Create() => Architecture switch
    {
        ModelArchitecture.WideNet when Vision is not null => new WideNetVision(Vision),
        ModelArchitecture.ViT => new ViT(Need(Vision), withMoe: false),
        ModelArchitecture.ViTMoE => new ViT(Need(Vision), withMoe: true),
        ModelArchitecture.WideNet => new TextEncoder(Need(Text), TextSharing.WideNet),
        ModelArchitecture.Transformer => new TextEncoder(Need(Text), TextSharing.None),
        ModelArchitecture.Albert => new TextEncoder(Need(Text), TextSharing.Albert),
        ModelArchitecture.Brainformer => new Models.Brainformer(Need(Brainformer)),
        _ => throw new InvalidDataException($"unknown architecture {Architecture}"),
    };

    static T Need<T>(T? config) where T : class =>
        config ?? throw new InvalidDataException($"the model description has no {typeof(T).Name}");

    /// <summary>One line for logs and reports: family, sizes, experts.</summary>
    public string Describe() => Architecture switch
    {
        ModelArchitecture.Brainformer => $"Brainformer '{Brainformer!.Recipe}' ×{Brainformer.Repeats}, d {Brainformer.Dim}, {Brainformer.NumExperts} experts (expert choice, capacity {Brainformer.CapacityFactor:G3})",
        _ when Vision is { } v => $"{Architecture} d {v.Dim}, {v.Heads} heads, {v.Depth} blocks, FFN {v.Hidden}" + (Architecture == ModelArchitecture.ViT ? "" : $", {v.NumExperts} experts top-{v.TopK}") + $", {v.ImageSize}×{v.ImageSize}/{v.PatchSize}" + (v.ConvStem ? " (conv stem)" : ""),
        _ when Text is { } t => $"{Architecture} d {t.Dim}, {t.Heads} heads, {t.Depth} blocks, FFN {t.Hidden}" + (Architecture == ModelArchitecture.WideNet ? $", {t.NumExperts} experts top-{t.TopK}" : "") + $", vocabulary {t.VocabSize}, length {t.MaxLength}" + (t.Pooling == TextPooling.Mean ? ", mean pooling" : "") + (t.NGramBuckets > 0 ? $", n-gram logits ({t.NGramBuckets} bigram buckets)" : "") + (t.NGramClassifier ? " and a TF-IDF n-gram classifier" : ""),
        _ => Architecture.ToString(),
    };

    // ---- building a spec from the options -------------------------------------------------------------------

    /// <summary>The evaluation capacity factor: at least E/k, so that an expert can take every token of a call
    /// (C = ⌈c·k·S/E⌉ ≥ S) and no token is dropped when scoring: a row's scores then never depend on the rows scored
    /// with it (PredictionEngine = Transform), whatever the routing. Top-2 of 4 experts keeps Switch's 2.0.</summary>
    static double NoDropCapacity(double factor, int experts, int topK) => Math.Max(factor, (double)experts / Math.Max(1, topK));

    /// <summary>Default dropout: none for the Tiny preset (small data, few steps), 0.1 above.</summary>
    static double DropoutOf(WideNetTrainerOptionsBase o) => o.Dropout ?? (o.Preset == Preset.Tiny ? 0.0 : 0.1);

    static BrainformerConfig BrainformerFrom(WideNetTrainerOptionsBase o, string recipe, int classes, ulong seed)
    {
        var c = BrainformerConfig.Preset(o.Preset, recipe);
        var dim = o.HiddenSize ?? c.Dim;
        var heads = o.NumHeads ?? c.Heads;
        if (dim % heads != 0) throw new ArgumentException($"HiddenSize {dim} is not a multiple of NumHeads {heads}");
        return c with
        {
            Dim = dim,
            Heads = heads,
            HeadDim = dim / heads,
            Repeats = o.NumLayers ?? c.Repeats,
            ExpertHidden = o.FeedForwardSize ?? (o.HiddenSize is null ? c.ExpertHidden : 2 * dim),
            FfnHidden = o.FeedForwardSize is { } f ? Math.Max(1, f * 3 / 4) : (o.HiddenSize is null ? c.FfnHidden : 3 * dim / 2),
            NumExperts = o.NumExperts ?? c.NumExperts,
            CapacityFactor = o.CapacityFactor ?? c.CapacityFactor,
            Dropout = DropoutOf(o),
            NumClasses = classes,
            Seed = seed,
        };
    }

    /// <summary>The network options would build before any data is read (the tuner's resolution and cost estimates):
    /// images at <paramref name="imageSize"/> with the options' patch (or the default one) and channels (or 1), text
    /// with a vocabulary of VocabularySize; 10 classes.</summary>
    public static ModelSpec ForOptions(WideNetTrainerOptionsBase o, int imageSize) => o switch
    {
        WideNetImageClassificationTrainer.Options io => ForImages(io, imageSize, PatchOf(io, imageSize), io.Channels > 0 ? io.Channels : 1, 10, 0),
        WideNetTextClassificationTrainer.Options to => ForText(to, Math.Max(8, to.VocabularySize), 10, 0),
        _ => throw new ArgumentException($"{o.GetType().Name} is neither image nor text trainer options"),
    };

    /// <summary>The options' patch side, or the default one for <paramref name="imageSize"/>.</summary>
    public static int PatchOf(WideNetImageClassificationTrainer.Options o, int imageSize) =>
        o.PatchSize > 0 ? o.PatchSize : WideNetImageClassificationTrainer.DefaultPatchSize(imageSize);

    public static ModelSpec ForImages(WideNetImageClassificationTrainer.Options o, int imageSize, int patchSize, int channels, int classes, ulong seed)
    {
        if (o.Architecture == ModelArchitecture.Brainformer)
            return new ModelSpec
            {
                Architecture = o.Architecture,
                Brainformer = (BrainformerFrom(o, o.BrainformerRecipe, classes, seed) with { ImageSize = imageSize, PatchSize = patchSize, Channels = channels, ConvStem = o.ConvolutionalStem }).Validate(),
            };
        var arch = o.Architecture switch
        {
            ModelArchitecture.WideNet => Models.Architecture.WideNet,
            ModelArchitecture.ViT => Models.Architecture.ViT,
            _ => Models.Architecture.ViTMoE,
        };
        var p = VisionPresets.Get(arch, o.Preset);
        if (arch == Models.Architecture.WideNet && o.Preset == Preset.Tiny)
            p = p with { Depth = 2, TopK = 1 };                      // on 2 cores, epochs beat depth and top-2 (docs/benchmarks.md)
        var dim = o.HiddenSize ?? p.Dim;
        var cfg = p with
        {
            Dim = dim,
            Heads = o.NumHeads ?? p.Heads,
            Depth = o.NumLayers ?? p.Depth,
            Hidden = o.FeedForwardSize ?? (o.HiddenSize is null ? p.Hidden : p.Hidden / p.Dim * dim),
            NumExperts = o.NumExperts ?? p.NumExperts,
            TopK = o.TopK ?? p.TopK,
            CapacityFactor = o.CapacityFactor ?? p.CapacityFactor,
            EvalCapacityFactor = NoDropCapacity(p.EvalCapacityFactor, o.NumExperts ?? p.NumExperts, o.TopK ?? p.TopK),
            Dropout = DropoutOf(o),
            AuxLossWeight = o.AuxiliaryLossWeight,
            MoeLayers = Math.Min(p.MoeLayers, o.NumLayers ?? p.Depth),
            ImageSize = imageSize,
            PatchSize = patchSize,
            Channels = channels,
            ConvStem = o.ConvolutionalStem,
            NumClasses = classes,
            Seed = seed,
        };
        return new ModelSpec { Architecture = o.Architecture, Vision = cfg.Validate() };
    }

    public static ModelSpec ForText(WideNetTextClassificationTrainer.Options o, int vocabulary, int classes, ulong seed)
    {
        if (o.Architecture == ModelArchitecture.Brainformer)
            return new ModelSpec
            {
                Architecture = o.Architecture,
                Brainformer = (BrainformerFrom(o, o.BrainformerRecipe, classes, seed) with { VocabSize = vocabulary, MaxLength = o.MaxSequenceLength }).Validate(),
            };
        // Text encoders take the vision presets' widths: WideNet's expert hidden size, or 2d (Tiny, Small) / 4d dense FFNs.
        var p = VisionPresets.Get(o.Architecture == ModelArchitecture.WideNet ? Models.Architecture.WideNet : Models.Architecture.ViT, o.Preset);
        var dim = o.HiddenSize ?? p.Dim;
        var cfg = new TextConfig
        {
            VocabSize = vocabulary,
            MaxLength = o.MaxSequenceLength,
            EmbeddingSize = o.EmbeddingSize,
            NumClasses = classes,
            Dim = dim,
            Heads = o.NumHeads ?? p.Heads,
            Depth = o.NumLayers ?? p.Depth,
            Hidden = o.FeedForwardSize ?? (o.HiddenSize is null ? p.Hidden : p.Hidden / p.Dim * dim),
            NumExperts = o.NumExperts ?? p.NumExperts,
            TopK = o.TopK ?? p.TopK,
            CapacityFactor = o.CapacityFactor ?? p.CapacityFactor,
            EvalCapacityFactor = NoDropCapacity(2.0, o.NumExperts ?? p.NumExperts, o.TopK ?? p.TopK),
            Dropout = DropoutOf(o),
            AuxLossWeight = o.AuxiliaryLossWeight,
            Pooling = o.Pooling,
            NGramBuckets = o.NGramBuckets,
            NGramClassifier = o.NGramBuckets > 0 && o.NGramEpochs is not 0,
            Seed = seed,
        };
        return new ModelSpec { Architecture = o.Architecture, Text = cfg.Validate() };
    }
}
