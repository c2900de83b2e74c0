using Microsoft.ML.Runtime;
using System.Diagnostics;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Nn;
using Microsoft.ML.WideNet.Text;
using Microsoft.ML.WideNet.Training;
using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet;

/// <summary>
/// ALBERT-style masked-language-model pretraining of a text encoder on the training text before fine-tuning: 15% of
/// the real tokens are chosen (80% → [MASK], 10% → random, 10% kept) and predicted from the final token states through
/// a linear head that is discarded afterwards. AdamW, warm-up then cosine decay, gradient clipping; seeded like the
/// main loop (CPU runs are bit-reproducible).
/// </summary>
internal static class MaskedLanguageModelPretraining
{
    /// <summary>The encoder and the temporary vocabulary head, as one module for the optimizer.</summary>
    sealed class WithHead : Module
    {
        public readonly Linear head;

        public WithHead(ITokenEncoder encoder, int vocabulary, Generator g)
        {
            RegisterModule("encoder", encoder.Module);
            head = RegisterModule("mlm_head", new Linear(encoder.HiddenSize, vocabulary, generator: g));
        }
    }

    public static void Run(IHost host, IChannel ch, WideNetTrainerOptionsBase o, int seed, IClassifier model,
                           IReadOnlyList<EncodedText> texts, int vocabulary)
    {
        if (model is not ITokenEncoder encoder)
            throw new NotSupportedException($"{o.Architecture} cannot be pretrained with a masked-language model: it does not expose token states");
        var device = DeviceSelection.Resolve(o.Device);
        var useed = (ulong)(uint)seed;
        using var g = new Generator(Seeds.Derive(useed, Seeds.Stream.Data, 1));
        var both = new WithHead(encoder, vocabulary, g);
        both.to(device);
        both.train();
        var stepsPerEpoch = (texts.Count + o.BatchSize - 1) / o.BatchSize;
        var total = (long)stepsPerEpoch * o.PretrainEpochsOf();
        var lr = o.LearningRate ?? 1e-3;
        var schedule = new LearningRateSchedule(lr, total, (long)Math.Round(o.WarmupRatio * total), o.LearningRateDecay);
        using var optimizer = Optimizers.Create(o.Optimizer, both, lr, o.WeightDecay);
        var parameters = both.parameters().ToArray();
        var sw = Stopwatch.StartNew();
        long step = 0;
        try
        {
            for (var epoch = 0; epoch < o.PretrainEpochsOf(); epoch++)
            {
                var order = Trainer.EpochOrder(texts.Count, seed ^ 0x4D4C4D, epoch);
                double lossSum = 0;
                for (var b = 0; b < stepsPerEpoch; b++)
                {
                    o.CancellationToken.ThrowIfCancellationRequested();
                    MLNetBridge.CheckAlive(host);
                    using var scope = torch.NewDisposeScope();
                    var batch = order[(b * o.BatchSize)..Math.Min(order.Length, (b + 1) * o.BatchSize)].Select(i => texts[i]).ToArray();
                    var (ids, mask) = TextInput.Pad(batch);
                    var (inputs, labels) = MlmMasking.Mask(ids, mask, vocabulary, Seeds.Random(useed, Seeds.Stream.Data, epoch, b));
                    if (labels.ne(MlmMasking.IgnoreIndex).sum().item<long>() == 0) { step++; continue; }   // nothing chosen in this batch
                    torch.manual_seed(Seeds.Derive(useed, Seeds.Stream.Model, -1 - step));
                    var (states, aux) = encoder.encode(inputs.to(device), mask.to(device));     // [B, L, d]
                    var logits = both.head.forward(states);                                      // [B, L, V]
                    var loss = F.cross_entropy(logits.reshape(-1, vocabulary).to(ScalarType.Float32), labels.reshape(-1).to(device));
                    var totalLoss = aux is null ? loss : loss + aux;
                    optimizer.zero_grad();
                    totalLoss.backward();
                    if (o.ClipNorm > 0) torch.nn.utils.clip_grad_norm_(parameters, o.ClipNorm);
                    optimizer.LearningRate = schedule.At(step);
                    optimizer.step();
                    lossSum += loss.item<double>();
                    step++;
                }
                EstimatorCore.Log(ch, FormattableString.Invariant(
                    $"pretraining epoch {epoch + 1}/{o.PretrainEpochsOf()}: masked-token loss {lossSum / stepsPerEpoch:F4} ({sw.Elapsed:hh\\:mm\\:ss})"));
            }
        }
        finally
        {
            both.head.Dispose();
        }
    }

    static int PretrainEpochsOf(this WideNetTrainerOptionsBase o) => o is WideNetTextClassificationTrainer.Options t ? t.PretrainEpochs : 0;
}
