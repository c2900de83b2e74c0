using System.Globalization;
using System.Reflection;

namespace Microsoft.ML.WideNet;

/// <summary>How a numeric range is sampled.</summary>
public enum ParameterScale
{
    /// <summary>Uniform in [min, max].</summary>
    Linear,
    /// <summary>Uniform in [log min, log max] (learning rates, weight decay).</summary>
    Log,
}

/// <summary>
/// One tunable setting: the options field it fills (by name, e.g. "LearningRate"), a range or a list of choices, a
/// scale, and the value the search starts from. <see cref="AppliesTo"/> limits it to some architectures.
/// </summary>
public sealed record SearchParameter
{
    /// <summary>Its name in the trial history; also the options field it sets unless <see cref="Field"/> says otherwise.</summary>
    public required string Name { get; init; }
    /// <summary>The public field of the trainer options this parameter sets (default: <see cref="Name"/>).</summary>
    public string? Field { get; init; }
    /// <summary>The values to choose from (for a choice parameter); null for a range.</summary>
    public IReadOnlyList<object>? Choices { get; init; }
    /// <summary>Lower end of a range.</summary>
    public double Min { get; init; }
    /// <summary>Upper end of a range.</summary>
    public double Max { get; init; }
    /// <summary>Linear or log sampling of a range.</summary>
    public ParameterScale Scale { get; init; }
    /// <summary>True for an integer range.</summary>
    public bool IsInteger { get; init; }
    /// <summary>The value of the first trial (the search starts from the defaults).</summary>
    public required object Default { get; init; }
    /// <summary>The architectures it applies to (null: all).</summary>
    public IReadOnlyList<ModelArchitecture>? AppliesTo { get; init; }

    /// <summary>A value drawn from the range or the choices.</summary>
    public object Sample(Random random)
    {
        if (Choices is { Count: > 0 } c) return c[random.Next(c.Count)];
        var u = random.NextDouble();
        var v = Scale == ParameterScale.Log ? Math.Exp(Math.Log(Min) + u * (Math.Log(Max) - Math.Log(Min))) : Min + u * (Max - Min);
        return IsInteger ? (object)(int)Math.Clamp(Math.Round(v), Min, Max) : v;
    }

    /// <summary>One-line description: the range or the choices, the scale and the default.</summary>
    public override string ToString() => Choices is { } c
        ? $"{Name} ∈ {{{string.Join(", ", c)}}} (default {Default})"
        : FormattableString.Invariant($"{Name} ∈ [{Min:G4}, {Max:G4}] {Scale.ToString().ToLowerInvariant()}{(IsInteger ? " integer" : "")} (default {Default})");
}

/// <summary>
/// The settings the tuner searches, declared once in code: <see cref="ForImages"/> and <see cref="ForText"/> hold the
/// defaults (architecture, width, depth, learning rate on a log scale, weight decay, warm-up, dropout, label smoothing,
/// experts, top-k, capacity factor, patch size, mixup α and random crops or vocabulary and sequence length, batch size). Narrow, fix, replace or
/// remove any of them; every method returns a new space.
/// </summary>
public sealed class SearchSpace : IEnumerable<SearchParameter>
{
    readonly List<SearchParameter> _parameters;

    /// <summary>A space of the given parameters.</summary>
    public SearchSpace(IEnumerable<SearchParameter> parameters)
    {
        _parameters = parameters.ToList();
        var duplicate = _parameters.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"parameter '{duplicate.Key}' is declared twice");
        foreach (var p in _parameters) Validate(p);
    }

    static readonly ModelArchitecture[] MoE = [ModelArchitecture.WideNet, ModelArchitecture.ViTMoE, ModelArchitecture.Brainformer];
    static readonly ModelArchitecture[] TopKRouting = [ModelArchitecture.WideNet, ModelArchitecture.ViTMoE];
    static readonly ModelArchitecture[] Stacked = [ModelArchitecture.WideNet, ModelArchitecture.ViT, ModelArchitecture.ViTMoE, ModelArchitecture.Transformer, ModelArchitecture.Albert];

    // The declared defaults are the trainer's for WideNet at the Tiny preset (images: 2 blocks, top-1; text: 6 blocks, top-2).
    static IEnumerable<SearchParameter> Common(int layers, int topK, params object[] batchSizes) =>
    [
        new() { Name = "HiddenSize", Choices = [64, 96, 128, 192], Default = 128 },
        new() { Name = "NumLayers", Min = 2, Max = 8, IsInteger = true, Default = layers, AppliesTo = Stacked },
        new() { Name = "BrainformerRepeats", Field = "NumLayers", Min = 1, Max = 2, IsInteger = true, Default = 1, AppliesTo = [ModelArchitecture.Brainformer] },
        new() { Name = "LearningRate", Min = 3e-4, Max = 5e-3, Scale = ParameterScale.Log, Default = 1e-3 },
        new() { Name = "WeightDecay", Min = 0.005, Max = 0.2, Scale = ParameterScale.Log, Default = 0.05 },
        new() { Name = "WarmupRatio", Min = 0, Max = 0.2, Default = 0.1 },
        new() { Name = "Dropout", Min = 0, Max = 0.3, Default = 0.0 },
        new() { Name = "LabelSmoothing", Min = 0, Max = 0.2, Default = 0.1 },
        new() { Name = "NumExperts", Choices = [2, 4, 8], Default = 4, AppliesTo = MoE },
        new() { Name = "TopK", Choices = [1, 2], Default = topK, AppliesTo = TopKRouting },
        new() { Name = "CapacityFactor", Min = 1.0, Max = 2.0, Default = 1.2, AppliesTo = MoE },
        new() { Name = "BatchSize", Choices = batchSizes, Default = batchSizes[batchSizes.Length / 2] },
    ];

    /// <summary>The image space: WideNet, Brainformer, ViT-MoE and ViT; mixup α and random crops; patch sizes that divide
    /// <paramref name="imageSize"/> into a grid of 4 to 8 patches a side (4 or 7 for 28×28), the largest by default.</summary>
    public static SearchSpace ForImages(int imageSize = 28) => new(
        new SearchParameter[]
        {
            new() { Name = "Architecture", Choices = [ModelArchitecture.WideNet, ModelArchitecture.Brainformer, ModelArchitecture.ViTMoE, ModelArchitecture.ViT], Default = ModelArchitecture.WideNet },
            PatchSizes(imageSize),
            new() { Name = "MixupAlpha", Min = 0, Max = 0.4, Default = 0.2 },
            new() { Name = "RandomCrop", Choices = [true, false], Default = true },
        }.Concat(Common(2, 1, 32, 64, 128)));

    static SearchParameter PatchSizes(int imageSize)
    {
        if (imageSize < 1) throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "the image size must be positive");
        var divisors = Enumerable.Range(1, imageSize).Where(p => imageSize % p == 0).ToList();
        var grid = divisors.Where(p => imageSize / p is >= 4 and <= 8).ToList();
        if (grid.Count == 0) grid = [WideNetImageClassificationTrainer.DefaultPatchSize(imageSize)];
        return new() { Name = "PatchSize", Choices = grid.Cast<object>().ToList(), Default = grid[^1] };
    }

    /// <summary>This space with the patch sizes that do not divide <paramref name="imageSize"/> removed; throws, naming
    /// both, when none is left.</summary>
    public SearchSpace ForImageSize(int imageSize)
    {
        if (_parameters.FirstOrDefault(p => p.Name == "PatchSize") is not { Choices: { } choices } patch) return this;
        var fit = choices.Where(c => Convert.ToInt32(c, CultureInfo.InvariantCulture) is var p && p > 0 && imageSize % p == 0).ToList();
        if (fit.Count == 0)
            throw new ArgumentException($"no PatchSize choice ({string.Join(", ", choices)}) divides ImageSize {imageSize}");
        return fit.Count == choices.Count ? this : Replace(patch with { Choices = fit, Default = fit.Contains(patch.Default) ? patch.Default : fit[^1] });
    }

    /// <summary>The text space: WideNet, Brainformer, the BERT-like Transformer and ALBERT; vocabulary and sequence length.</summary>
    public static SearchSpace ForText() => new(
        new SearchParameter[]
        {
            new() { Name = "Architecture", Choices = [ModelArchitecture.WideNet, ModelArchitecture.Brainformer, ModelArchitecture.Transformer, ModelArchitecture.Albert], Default = ModelArchitecture.WideNet },
            new() { Name = "VocabularySize", Choices = [2000, 4000, 8000], Default = 4000 },
            new() { Name = "MaxSequenceLength", Choices = [64, 128], Default = 128 },
        }.Concat(Common(6, 2, 16, 32, 64)));

    /// <summary>The parameter called <paramref name="name"/>.</summary>
    public SearchParameter this[string name] =>
        _parameters.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"the search space has no parameter '{name}' (it has {string.Join(", ", _parameters.Select(p => p.Name))})");

    /// <summary>This space with <paramref name="name"/> fixed to <paramref name="value"/>.</summary>
    public SearchSpace Fix(string name, object value) => Replace(this[name] with { Choices = [value], Default = value });

    /// <summary>This space with the range of <paramref name="name"/> narrowed to [min, max].</summary>
    public SearchSpace Narrow(string name, double min, double max)
    {
        var p = this[name];
        if (p.Choices is not null) throw new ArgumentException($"'{name}' is a choice: use Choose");
        var d = Convert.ToDouble(p.Default, CultureInfo.InvariantCulture);
        var def = Math.Clamp(d, min, max);
        return Replace(p with { Min = min, Max = max, Default = p.IsInteger ? (object)(int)Math.Round(def) : def });
    }

    /// <summary>This space with <paramref name="name"/> chosen among <paramref name="values"/> (the first is the default
    /// unless the current default is among them).</summary>
    public SearchSpace Choose(string name, params object[] values)
    {
        var p = this[name];
        if (values.Length == 0) throw new ArgumentException("at least one value", nameof(values));
        return Replace(p with { Choices = values, Default = values.Contains(p.Default) ? p.Default : values[0] });
    }

    /// <summary>This space without <paramref name="name"/> (the options' own value is used).</summary>
    public SearchSpace Remove(string name) => new(_parameters.Where(p => p.Name != this[name].Name));

    /// <summary>This space with <paramref name="parameter"/> added or replacing the one of the same name.</summary>
    public SearchSpace Replace(SearchParameter parameter) =>
        new(_parameters.Any(p => p.Name == parameter.Name) ? _parameters.Select(p => p.Name == parameter.Name ? parameter : p) : _parameters.Append(parameter));

    /// <summary>The declared default of every parameter.</summary>
    public Dictionary<string, object> Defaults() => _parameters.ToDictionary(p => p.Name, p => p.Default);

    /// <summary>
    /// The first trial: what <paramref name="options"/> train when nothing is searched — each parameter takes the value the
    /// trainer resolves from the options (set fields, else the preset's and the trainer's defaults: a WideNet image model
    /// of the Tiny preset has 2 blocks and top-1), so that the search starts from exactly the model the options alone
    /// give. A parameter fixed to one value, or whose resolved value lies outside its range or choices, takes its
    /// declared default instead.
    /// </summary>
    public Dictionary<string, object> DefaultsFor(WideNetTrainerOptionsBase options, int imageSize = 28)
    {
        ArgumentNullException.ThrowIfNull(options);
        var resolved = Resolved(options, imageSize);
        var values = new Dictionary<string, object>();
        foreach (var p in _parameters)
        {
            var field = FieldOf(options.GetType(), p);
            object? value = resolved.TryGetValue(p.Name, out var r) ? r : field?.GetValue(options);
            // an automatic setting (a nullable field left null that the trainer decides from the data, e.g. RandomCrop)
            // stays automatic: the parameter is left out, so the trial's options keep null
            if (value is null && field is not null && Nullable.GetUnderlyingType(field.FieldType) is not null && p.Choices is not { Count: 1 }) continue;
            values[p.Name] = value is not null && (p.Choices is not { Count: 1 }) && Allows(p, value) ? value : p.Default;
        }
        return values;
    }

    static bool Allows(SearchParameter p, object value)
    {
        if (p.Choices is { } c) return c.Any(x => Equals(x, value) || x.GetType() != value.GetType() && x.ToString() == value.ToString());
        if (value is not (int or long or float or double)) return false;
        var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        return d >= p.Min && d <= p.Max;
    }

    /// <summary>The values the trainer would use for the size and schedule parameters of <paramref name="o"/>.</summary>
    static Dictionary<string, object> Resolved(WideNetTrainerOptionsBase o, int imageSize)
    {
        var r = new Dictionary<string, object>
        {
            ["Architecture"] = o.Architecture,
            ["LearningRate"] = o.ResolvedLearningRate,
        };
        if (o is WideNetImageClassificationTrainer.Options io) r["PatchSize"] = ModelSpec.PatchOf(io, imageSize);
        ModelSpec spec;
        try { spec = ModelSpec.ForOptions(o, imageSize); }
        catch (ArgumentException) { return r; }   // options a trial would reject: the declared defaults stand
        if (spec.Vision is { } v) (r["HiddenSize"], r["NumLayers"], r["NumExperts"], r["TopK"], r["CapacityFactor"], r["Dropout"]) = (v.Dim, v.Depth, v.NumExperts, v.TopK, v.CapacityFactor, v.Dropout);
        if (spec.Text is { } t) (r["HiddenSize"], r["NumLayers"], r["NumExperts"], r["TopK"], r["CapacityFactor"], r["Dropout"]) = (t.Dim, t.Depth, t.NumExperts, t.TopK, t.CapacityFactor, t.Dropout);
        if (spec.Brainformer is { } b) (r["HiddenSize"], r["BrainformerRepeats"], r["NumExperts"], r["CapacityFactor"], r["Dropout"]) = (b.Dim, b.Repeats, b.NumExperts, b.CapacityFactor, b.Dropout);
        return r;
    }

    /// <summary>A random configuration.</summary>
    public Dictionary<string, object> Sample(Random random) => _parameters.ToDictionary(p => p.Name, p => p.Sample(random));

    /// <summary>A configuration near <paramref name="values"/> (local search around a good one): each parameter that is
    /// not fixed moves with probability ½ — a range by a normal step of a fifth of its width (on its scale), a choice to
    /// a neighbouring one. Parameters missing from <paramref name="values"/> (not applicable to its architecture) take
    /// their declared default first.</summary>
    public Dictionary<string, object> Perturb(IReadOnlyDictionary<string, object> values, Random random)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(random);
        var result = new Dictionary<string, object>();
        foreach (var p in _parameters)
        {
            var v = values.TryGetValue(p.Name, out var given) ? given : p.Default;
            var move = random.NextDouble() < 0.5;
            if (p.Choices is { } c)
            {
                var i = Math.Max(0, c.ToList().FindIndex(x => Equals(x, v) || x.ToString() == v.ToString()));
                if (move && c.Count > 1) i = i == 0 ? 1 : i == c.Count - 1 ? i - 1 : i + (random.Next(2) == 0 ? -1 : 1);
                result[p.Name] = c[i];
                continue;
            }
            var d = Convert.ToDouble(v, CultureInfo.InvariantCulture);
            if (move && p.Max > p.Min)
            {
                var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                d = p.Scale == ParameterScale.Log
                    ? Math.Exp(Math.Log(Math.Max(d, p.Min)) + 0.2 * gaussian * (Math.Log(p.Max) - Math.Log(p.Min)))
                    : d + 0.2 * gaussian * (p.Max - p.Min);
                d = Math.Clamp(d, p.Min, p.Max);
            }
            result[p.Name] = p.IsInteger ? (object)(int)Math.Clamp(Math.Round(d), p.Min, p.Max) : d;
        }
        return result;
    }

    /// <summary>Only the values that apply to the architecture in <paramref name="values"/> (what the history shows).</summary>
    public Dictionary<string, object> Applicable(IReadOnlyDictionary<string, object> values)
    {
        var arch = values.TryGetValue("Architecture", out var a) && a is ModelArchitecture m ? m : (ModelArchitecture?)null;
        return values.Where(kv => arch is null || _parameters.FirstOrDefault(p => p.Name == kv.Key) is not { AppliesTo: { } only } || only.Contains(arch.Value))
                     .ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    /// <summary>Writes <paramref name="values"/> into a copy of <paramref name="options"/> (parameters that do not apply to
    /// the chosen architecture are left as the options have them) and returns the copy.</summary>
    public T Apply<T>(T options, IReadOnlyDictionary<string, object> values) where T : WideNetTrainerOptionsBase
    {
        var o = (T)options.CloneBase();
        if (values.TryGetValue("Architecture", out var a)) Set(o, this["Architecture"], a);
        foreach (var p in _parameters.Where(p => p.Name != "Architecture"))
            if (values.TryGetValue(p.Name, out var v) && (p.AppliesTo is null || p.AppliesTo.Contains(o.Architecture)))
                Set(o, p, v);
        return o;
    }

    static FieldInfo? FieldOf(Type options, SearchParameter p) => options.GetField(p.Field ?? p.Name, BindingFlags.Public | BindingFlags.Instance);

    static void Set(object options, SearchParameter p, object value)
    {
        var f = FieldOf(options.GetType(), p) ?? throw new ArgumentException($"{options.GetType().Name} has no field '{p.Field ?? p.Name}' for parameter '{p.Name}'");
        var type = Nullable.GetUnderlyingType(f.FieldType) ?? f.FieldType;
        f.SetValue(options, type.IsEnum ? Enum.ToObject(type, value is string s ? Enum.Parse(type, s) : value) : Convert.ChangeType(value, type, CultureInfo.InvariantCulture));
    }

    static void Validate(SearchParameter p)
    {
        if (p.Choices is { Count: 0 }) throw new ArgumentException($"parameter '{p.Name}' has no choices");
        if (p.Choices is null && !(p.Max >= p.Min)) throw new ArgumentException($"parameter '{p.Name}': max {p.Max} is below min {p.Min}");
        if (p.Choices is null && p.Scale == ParameterScale.Log && p.Min <= 0) throw new ArgumentException($"parameter '{p.Name}': a log range must be positive");
    }

    /// <summary>Throws when a parameter names no field of <paramref name="optionsType"/>.</summary>
    internal void CheckFields(Type optionsType)
    {
        foreach (var p in _parameters)
            if (FieldOf(optionsType, p) is null) throw new ArgumentException($"parameter '{p.Name}' sets '{p.Field ?? p.Name}', which {optionsType.Name} does not have");
    }

    /// <inheritdoc/>
    public IEnumerator<SearchParameter> GetEnumerator() => _parameters.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
