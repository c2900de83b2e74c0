using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.WideNet.Nn;
using WideNet.Torch;
using WideNet.Torch.Optim;
using WideNet.Torch.Serialization;

namespace Microsoft.ML.WideNet.Training;

/// <summary>The counters and bookkeeping of a run, saved as <c>checkpoint.json</c> beside the tensors.</summary>
public sealed class TrainerState
{
    /// <summary>Format version.</summary>
    public int Format { get; set; } = 1;
    /// <summary>File (in the same folder) holding the tensors of this checkpoint.</summary>
    public string TensorFile { get; set; } = "";
    /// <summary>Optimizer steps done.</summary>
    public long Step { get; set; }
    /// <summary>0-based epoch in progress (equals the epoch count when finished).</summary>
    public int Epoch { get; set; }
    /// <summary>Batches of <see cref="Epoch"/> already done.</summary>
    public int BatchInEpoch { get; set; }
    /// <summary>Examples of <see cref="Epoch"/> already seen.</summary>
    public long SeenInEpoch { get; set; }
    /// <summary>True when the run ended (all epochs or early stopping).</summary>
    public bool Finished { get; set; }
    /// <summary>True when early stopping ended the run.</summary>
    public bool StoppedEarly { get; set; }
    /// <summary>Best validation metric so far.</summary>
    public double? BestMetric { get; set; }
    /// <summary>1-based epoch of <see cref="BestMetric"/>.</summary>
    public int? BestEpoch { get; set; }
    /// <summary>Epochs the schedule was planned again for when the time limit fits fewer than asked (null: as asked).</summary>
    public int? PlannedEpochs { get; set; }
    /// <summary>Epochs since the last improvement.</summary>
    public int EpochsWithoutImprovement { get; set; }
    /// <summary>Finished epochs.</summary>
    public List<EpochMetrics> History { get; set; } = new();
    /// <summary>The random state: every stream is derived from (seed, stream, epoch, step, example) by
    /// <see cref="Seeds.Derive"/>, so the seed and the counters above are the whole state.</summary>
    public RngState Rng { get; set; } = new();
    /// <summary>Settings that must match for a resume to continue the same run.</summary>
    public Dictionary<string, string> Fingerprint { get; set; } = new();
}

/// <summary>The random-number state of a run.</summary>
public sealed class RngState
{
    /// <summary>How numbers are produced.</summary>
    public string Kind { get; set; } = "counter-based: SplitMix64(seed, stream, epoch, step, example) seeds System.Random and torch.manual_seed per use";
    /// <summary>The run's seed.</summary>
    public long Seed { get; set; }
    /// <summary>The next step's counter.</summary>
    public long NextStep { get; set; }
}

/// <summary>Writes and reads training checkpoints: model state, optimizer moments, best weights and running metric
/// sums in one safetensors file (<c>checkpoint-STEP.safetensors</c>, names prefixed <c>model.</c>, <c>optim.</c>,
/// <c>best.</c>, <c>trainer.</c>) and the counters in <c>checkpoint.json</c>. Both are written atomically
/// (temporary file, then rename), tensors first, so the JSON always names a complete tensor file.</summary>
public static class Checkpoint
{
    /// <summary>Name of the JSON file of a checkpoint folder.</summary>
    public const string StateFileName = "checkpoint.json";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>True when <paramref name="directory"/> holds a checkpoint.</summary>
    public static bool Exists(string? directory) => directory is not null && File.Exists(Path.Combine(directory, StateFileName));

    /// <summary>Writes a checkpoint and removes older tensor files of the folder.</summary>
    public static void Save(string directory, TrainerState state, Module module, Optimizer optimizer,
                            IReadOnlyDictionary<string, Tensor>? best, IReadOnlyDictionary<string, Tensor> extra)
    {
        Directory.CreateDirectory(directory);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (n, t) in module.state_dict()) tensors.Add(new("model." + n, t));
        foreach (var (n, t) in optimizer.StateTensors()) tensors.Add(new("optim." + n, t));
        if (best is not null) foreach (var (n, t) in best) tensors.Add(new("best." + n, t));
        foreach (var (n, t) in extra) tensors.Add(new("trainer." + n, t));
        state.TensorFile = $"checkpoint-{state.Step:D9}.safetensors";
        using (torch.no_grad())
            Safetensors.Save(Path.Combine(directory, state.TensorFile), tensors,
                             new Dictionary<string, string> { ["format"] = "widenet-checkpoint", ["step"] = state.Step.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var json = JsonSerializer.Serialize(state, Json);
        var path = Path.Combine(directory, StateFileName);
        var tmp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            File.WriteAllText(tmp, json, new UTF8Encoding(false));
            File.Move(tmp, path, overwrite: true);
        }
        finally { if (File.Exists(tmp)) File.Delete(tmp); }
        foreach (var old in Directory.GetFiles(directory, "checkpoint-*.safetensors"))
            if (Path.GetFileName(old) != state.TensorFile)
                try { File.Delete(old); } catch (IOException) { /* another reader; removed next time */ }
    }

    /// <summary>Reads the counters of a checkpoint folder.</summary>
    public static TrainerState ReadState(string directory)
    {
        var path = Path.Combine(directory, StateFileName);
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Json)
                   ?? throw new InvalidDataException($"{path}: empty checkpoint state");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: damaged checkpoint state ({e.Message})", e); }
    }

    /// <summary>Loads a checkpoint's tensors into <paramref name="module"/> and <paramref name="optimizer"/> and
    /// returns the counters, the best weights (CPU copies, owned by the caller; null when none were saved) and the
    /// trainer's extra tensors (owned by the caller).</summary>
    public static (TrainerState state, Dictionary<string, Tensor>? best, Dictionary<string, Tensor> extra) Load(
        string directory, Module module, Optimizer optimizer)
    {
        var state = ReadState(directory);
        var file = Path.Combine(directory, state.TensorFile);
        if (!File.Exists(file)) throw new InvalidDataException($"{Path.Combine(directory, StateFileName)} names {state.TensorFile}, which is missing");
        var all = Safetensors.Load(file);
        try
        {
            var model = Prefixed(all, "model.");
            module.load_state_dict(model, strict: true);
            var optim = Prefixed(all, "optim.");
            using (torch.no_grad())
                foreach (var (n, t) in optimizer.StateTensors())
                {
                    if (!optim.TryGetValue(n, out var src)) throw new InvalidDataException($"{file}: optimizer tensor '{n}' is missing (was the checkpoint written for another model or optimizer?)");
                    if (!src.shape.SequenceEqual(t.shape)) throw new InvalidDataException($"{file}: optimizer tensor '{n}' has shape [{string.Join(", ", src.shape)}], expected [{string.Join(", ", t.shape)}]");
                    t.copy_(src);
                }
            optimizer.RestoreStepCount(state.Step);
            var best = Prefixed(all, "best.");
            var extra = Prefixed(all, "trainer.");
            foreach (var t in best.Values) t.DetachFromDisposeScope();
            foreach (var t in extra.Values) t.DetachFromDisposeScope();
            foreach (var (n, t) in all)
                if (!n.StartsWith("best.", StringComparison.Ordinal) && !n.StartsWith("trainer.", StringComparison.Ordinal)) t.Dispose();
            return (state, best.Count > 0 ? best : null, extra);
        }
        catch
        {
            foreach (var t in all.Values) t.Dispose();
            throw;
        }
    }

    static Dictionary<string, Tensor> Prefixed(Dictionary<string, Tensor> all, string prefix) =>
        all.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
