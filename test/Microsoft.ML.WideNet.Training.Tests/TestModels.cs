using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Nn;
using Microsoft.ML.WideNet.Vision;
using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Training.Tests;

/// <summary>A small MLP classifier for images [B, C, H, W], with dropout and an optional auxiliary loss so that the
/// trainer's random streams and aux-loss path are exercised.</summary>
internal sealed class MlpClassifier : Module, IClassifier
{
    readonly Linear fc1, fc2;
    readonly double _dropout;
    readonly bool _aux;

    public MlpClassifier(int seed, int inputs = 784, int hidden = 64, int classes = 10, double dropout = 0.1, bool aux = true)
    {
        using var g = new Generator((ulong)seed);
        fc1 = RegisterModule("fc1", new Linear(inputs, hidden, generator: g));
        fc2 = RegisterModule("fc2", new Linear(hidden, classes, generator: g));
        _dropout = dropout;
        _aux = aux;
    }

    public Module Module => this;

    public ClassifierOutput forward(Tensor input, Tensor? attentionMask = null)
    {
        var h = fc1.forward(input.flatten(1)).relu();
        var logits = fc2.forward(F.dropout(h, _dropout, training));
        return new ClassifierOutput(logits, _aux ? h.square().mean() * 1e-4 : null, null);
    }

    public float[] Weights() => state_dict().OrderBy(kv => kv.Key).SelectMany(kv => kv.Value.detach().cpu().contiguous().ToArray<float>()).ToArray();
}

/// <summary>Mean of token embeddings over the attention mask, then a linear classifier (token-id input path).</summary>
internal sealed class BagOfTokensClassifier : Module, IClassifier
{
    readonly Tensor _embedding;
    readonly Linear _head;

    public BagOfTokensClassifier(int seed, int vocabulary, int dim, int classes)
    {
        using var g = new Generator((ulong)seed);
        _embedding = RegisterParameter("embedding", torch.empty(new long[] { vocabulary, dim }).normal_(0, 0.1, g));
        _head = RegisterModule("head", new Linear(dim, classes, generator: g));
    }

    public Module Module => this;

    public ClassifierOutput forward(Tensor input, Tensor? attentionMask = null)
    {
        var e = F.embedding(input, _embedding);
        var m = (attentionMask ?? input.ne(0)).to(ScalarType.Float32).unsqueeze(-1);
        var pooled = (e * m).sum(1) / m.sum(1).clamp_min(1);
        return new ClassifierOutput(_head.forward(pooled), null, null);
    }
}

/// <summary>Fashion-MNIST subsets as CPU tensors (loaded once per test run).</summary>
internal static class FashionData
{
    static readonly Lazy<(IdxReader.IdxArray x, byte[] y)> Train = new(() => IdxReader.LoadFashionMnist(train: true));

    /// <summary>Images [n, 1, 28, 28] normalised and labels [n] int64, from example <paramref name="start"/> of the training file.</summary>
    public static (Tensor x, Tensor y) Load(int start, int n)
    {
        var (images, labels) = Train.Value;
        using var scope = torch.NewDisposeScope();
        var bytes = torch.tensor<byte>(images.Data.AsSpan(start * 784, n * 784), new long[] { n, 1, 28, 28 });
        var x = ((bytes.to(ScalarType.Float32) / 255.0 - 0.2860) / 0.3530).DetachFromDisposeScope();
        var y = torch.tensor(labels.AsSpan(start, n).ToArray().Select(b => (long)b).ToArray()).DetachFromDisposeScope();
        return (x, y);
    }
}

/// <summary>A synchronous progress sink (Progress&lt;T&gt; posts asynchronously).</summary>
internal sealed class SyncProgress(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => onReport(value);
}
