using Microsoft.ML.Runtime;
using System.Diagnostics;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Text;
using Microsoft.ML.WideNet.Training;
using WideNet.Torch;
using WideNet.Torch.Optim;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet;

/// <summary>
/// Fits a text encoder's n-gram classifier (<see cref="NGramClassifier"/>) on its own before the encoder trains, then
/// freezes it: inverse document frequencies from the training texts, then Adam on the cross-entropy plus an L2 penalty
/// (a linear model's regularisation; AdamW's decoupled decay did worse, docs/benchmarks.md), shuffled batches of
/// <see cref="BatchSize"/>, constant learning rate. Seeded; CPU runs are bit-reproducible.
/// </summary>
internal static class NGramFit
{
    /// <summary>Adam's learning rate.</summary>
    public const double LearningRate = 0.02;
    /// <summary>Weight of the L2 penalty (sum of the squared table entries).</summary>
    public const double L2 = 3e-6;
    /// <summary>Texts per step.</summary>
    public const int BatchSize = 128;

    public static void Run(IHost host, IChannel ch, WideNetTextClassificationTrainer.Options o, int seed, IClassifier model,
                           IReadOnlyList<EncodedText> texts, IReadOnlyList<int> labels,
                           IReadOnlyList<EncodedText>? validation, IReadOnlyList<int>? validationLabels)
    {
        if (model is not TextEncoder { ngram_classifier: { } ngrams }) return;
        var epochs = o.NGramEpochsFor(texts.Count);
        var sw = Stopwatch.StartNew();
        ngrams.SetDocumentFrequencies(texts.Select(t => t.Ids));
        ngrams.to(DeviceSelection.Resolve(o.Device));
        if (Checkpoint.Exists(o.CheckpointDirectory))
        {
            // A run that continues (an interrupted Fit, a tuner trial trained on): the fitted tables are in the checkpoint.
            foreach (var p in ngrams.parameters()) p.requires_grad_(false);
            EstimatorCore.Log(ch, $"n-gram classifier: fitted before, loaded with the checkpoint in {o.CheckpointDirectory}");
            return;
        }
        ngrams.train();
        var tables = ngrams.parameters().ToList();
        using var optimizer = new AdamW(new[] { new ParamGroup(tables, 0.0) }, LearningRate, weight_decay: 0);
        var steps = (texts.Count + BatchSize - 1) / BatchSize;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var order = Trainer.EpochOrder(texts.Count, seed ^ 0x4E4752, epoch);
            double lossSum = 0;
            for (var b = 0; b < steps; b++)
            {
                o.CancellationToken.ThrowIfCancellationRequested();
                MLNetBridge.CheckAlive(host);
                using var scope = torch.NewDisposeScope();
                var rows = order[(b * BatchSize)..Math.Min(order.Length, (b + 1) * BatchSize)];
                var loss = Loss(ngrams, rows.Select(i => texts[i]).ToArray(), rows.Select(i => (long)labels[i]).ToArray());
                var penalty = ngrams.unigrams.square().sum().add(ngrams.bigrams.square().sum()).mul(L2);
                optimizer.zero_grad();
                loss.add(penalty).backward();
                optimizer.step();
                lossSum += loss.item<double>();
            }
            if ((epoch + 1) % 10 != 0 && epoch + 1 != epochs) continue;
            var accuracy = validation is null ? "" : FormattableString.Invariant($", validation accuracy {Accuracy(ngrams, validation, validationLabels!):F4}");
            EstimatorCore.Log(ch, FormattableString.Invariant(
                $"n-gram classifier epoch {epoch + 1}/{epochs}: loss {lossSum / steps:F4}{accuracy} ({sw.Elapsed:hh\\:mm\\:ss})"));
        }
        foreach (var p in tables) p.requires_grad_(false);    // the encoder trains alone from here
    }

    /// <summary>After the encoder's training: the ensemble's encoder weight w (0.1, 0.15, ..., 0.9) with the lowest
    /// log-loss on the validation set (0.5 stays without one).</summary>
    public static void ChooseEncoderWeight(IChannel ch, IClassifier model, IReadOnlyList<EncodedText>? validation, IReadOnlyList<int>? labels)
    {
        if (model is not TextEncoder { ngram_classifier: { } ngrams } encoder || validation is null || validation.Count == 0) return;
        encoder.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (deep, wide) = (new List<Tensor>(), new List<Tensor>());
        foreach (var (ids, mask, _, _) in Chunks(validation, ngrams.unigrams.device))
        {
            deep.Add(F.log_softmax(encoder.encoder_logits(ids, mask), 1).to(Device.CPU));  // [b, K]
            wide.Add(F.log_softmax(ngrams.forward(ids, mask), 1).to(Device.CPU));
        }
        var (a, b) = (torch.cat(deep.ToArray(), 0), torch.cat(wide.ToArray(), 0));        // [N, K] each
        var y = torch.tensor(labels!.Select(l => (long)l).ToArray());
        double LogLoss(double w) => F.cross_entropy(a.mul(w).add(b.mul(1 - w)), y).item<double>();
        var even = LogLoss(0.5);
        var (best, bestLoss) = (0.5, even);
        for (var k = 2; k <= 18; k++)
            if (LogLoss(k * 0.05) is var loss && loss < bestLoss) (best, bestLoss) = (k * 0.05, loss);
        using (var value = torch.full(new long[] { 1 }, best)) ngrams.encoder_weight.copy_(value.to(ngrams.encoder_weight.device));
        EstimatorCore.Log(ch, FormattableString.Invariant(
            $"ensemble: encoder weight {best:F2} chosen on the validation set (log-loss {bestLoss:F4}; {even:F4} at 0.50)"));
    }

    static Tensor Loss(NGramClassifier ngrams, EncodedText[] batch, long[] labels)
    {
        var (ids, mask) = TextInput.Pad(batch);
        var device = ngrams.unigrams.device;
        return F.cross_entropy(ngrams.forward(ids.to(device), mask.to(device)), torch.tensor(labels).to(device));
    }

    static double Accuracy(NGramClassifier ngrams, IReadOnlyList<EncodedText> texts, IReadOnlyList<int> labels)
    {
        using var _ = torch.no_grad();
        using var chunks = torch.NewDisposeScope();                    // the chunks' tensors
        var right = 0L;
        foreach (var (ids, mask, start, count) in Chunks(texts, ngrams.unigrams.device))
        {
            using var scope = torch.NewDisposeScope();
            var predicted = ngrams.forward(ids, mask).argmax(1).to(Device.CPU);
            var truth = torch.tensor(Enumerable.Range(start, count).Select(i => (long)labels[i]).ToArray());
            right += predicted.eq(truth).sum().item<long>();
        }
        return (double)right / texts.Count;
    }

    /// <summary>The texts in padded chunks of 256 on <paramref name="device"/>: ids, mask, first index, count (in the
    /// caller's dispose scope).</summary>
    static IEnumerable<(Tensor ids, Tensor mask, int start, int count)> Chunks(IReadOnlyList<EncodedText> texts, Device device)
    {
        for (var s = 0; s < texts.Count; s += 256)
        {
            var n = Math.Min(256, texts.Count - s);
            var (ids, mask) = TextInput.Pad(Enumerable.Range(s, n).Select(i => texts[i]).ToArray());
            yield return (ids.to(device), mask.to(device), s, n);
        }
    }
}
