using Microsoft.ML.WideNet.Text;
using Microsoft.ML.WideNet.Vision;
using WideNet.Torch;

namespace Microsoft.ML.WideNet.Training;

/// <summary>Where a batch is requested from.</summary>
/// <param name="Training">True for training batches (augmentation on), false for evaluation.</param>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Step">0-based optimizer step (evaluation: the batch number).</param>
/// <param name="Seed">The run's seed; derive per-example randomness with <see cref="Seeds.Random"/>.</param>
public sealed record BatchContext(bool Training, int Epoch, long Step, ulong Seed)
{
    /// <summary>The random source of example <paramref name="exampleIndex"/> in this epoch: independent of batch
    /// composition, thread timing and of whether the run was resumed.</summary>
    public Random RandomForExample(long exampleIndex) => Seeds.Random(Seed, Seeds.Stream.Augment, Epoch, exampleIndex);
}

/// <summary>One batch: inputs, int64 class labels [B] (0-based) and, for text, the attention mask. Owns its tensors.</summary>
public sealed class Batch : IDisposable
{
    /// <summary>Creates a batch (takes ownership of the tensors).</summary>
    public Batch(Tensor input, Tensor labels, Tensor? attentionMask = null)
    {
        Input = input; Labels = labels; AttentionMask = attentionMask;
    }

    /// <summary>Images [B, C, H, W] float32 or token ids [B, L] int64.</summary>
    public Tensor Input { get; }
    /// <summary>Class indices [B] int64.</summary>
    public Tensor Labels { get; }
    /// <summary>[B, L] bool for text; null for images.</summary>
    public Tensor? AttentionMask { get; }
    /// <summary>Examples in the batch.</summary>
    public long Size => Labels.size(0);

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Input.Dispose(); Labels.Dispose(); AttentionMask?.Dispose();
    }
}

/// <summary>A data set the trainer can draw batches from by example index.</summary>
public interface IBatchSource
{
    /// <summary>Number of examples.</summary>
    int Count { get; }

    /// <summary>Builds the batch of the given examples (on the CPU; the trainer moves it to the device).</summary>
    Batch GetBatch(IReadOnlyList<int> indices, BatchContext context);
}

/// <summary>A batch source whose examples have a length (text: tokens), for length-bucketed batches
/// (<see cref="TrainerOptions.BatchByLength"/>).</summary>
public interface IExampleLengths
{
    /// <summary>The length of example <paramref name="index"/>.</summary>
    int LengthOf(int index);
}

/// <summary>Examples already held in tensors (pixels or token ids); rows are picked with index_select. The source
/// borrows the tensors: the caller keeps them alive and disposes them.</summary>
public sealed class TensorBatchSource : IBatchSource
{
    readonly Tensor _inputs, _labels;
    readonly Tensor? _mask;
    readonly Func<Tensor, IReadOnlyList<int>, BatchContext, Tensor>? _augment;

    /// <summary>Creates the source.</summary>
    /// <param name="inputs">[N, ...] inputs.</param>
    /// <param name="labels">[N] int64 class indices.</param>
    /// <param name="attentionMask">[N, L] bool, for text.</param>
    /// <param name="augment">Optional training-time transform of a batch of inputs (given the example indices and
    /// context, e.g. to seed per-example randomness); it returns a new tensor.</param>
    public TensorBatchSource(Tensor inputs, Tensor labels, Tensor? attentionMask = null, Func<Tensor, IReadOnlyList<int>, BatchContext, Tensor>? augment = null)
    {
        if (inputs.size(0) != labels.size(0)) throw new ArgumentException($"{inputs.size(0)} inputs but {labels.size(0)} labels");
        if (attentionMask is not null && attentionMask.size(0) != inputs.size(0)) throw new ArgumentException("the attention mask and inputs differ in rows");
        if (labels.dtype != ScalarType.Int64) throw new ArgumentException("labels must be int64 class indices", nameof(labels));
        _inputs = inputs; _labels = labels; _mask = attentionMask; _augment = augment;
    }

    /// <inheritdoc/>
    public int Count => (int)_labels.size(0);

    /// <inheritdoc/>
    public Batch GetBatch(IReadOnlyList<int> indices, BatchContext context)
    {
        using var idx = torch.tensor(indices.Select(i => (long)i).ToArray());
        var x = _inputs.index_select(0, idx);
        if (context.Training && _augment is not null)
        {
            var y = _augment(x, indices, context);
            x.Dispose();
            x = y;
        }
        return new Batch(x, _labels.index_select(0, idx), _mask?.index_select(0, idx));
    }

    /// <summary>Tokenises texts once into ids [N, L] and mask [N, L] and wraps them with their labels. The returned
    /// tensors belong to the caller (dispose them after training).</summary>
    public static (TensorBatchSource source, Tensor ids, Tensor mask, Tensor labels) FromTexts(
        ByteLevelBpeTokenizer tokenizer, IReadOnlyList<string> texts, IReadOnlyList<int> labels, int maxLength)
    {
        var (ids, mask) = tokenizer.EncodeBatch(texts, maxLength);
        var y = torch.tensor(labels.Select(l => (long)l).ToArray());
        return (new TensorBatchSource(ids, y, mask), ids, mask, y);
    }
}

/// <summary>Encoded images (PNG, JPEG, BMP, GIF bytes) with labels, decoded per batch: training batches are
/// augmented (randomness per example from <see cref="BatchContext.RandomForExample"/>), evaluation batches are not.</summary>
public sealed class ImageBatchSource : IBatchSource
{
    readonly IReadOnlyList<byte[]> _images;
    readonly IReadOnlyList<int> _labels;
    readonly IReadOnlyList<string>? _names;
    readonly ImagePreprocessor _pre;
    readonly ImageAugmentationOptions? _aug;

    /// <summary>Creates the source.</summary>
    /// <param name="images">Encoded images.</param>
    /// <param name="labels">0-based class per image.</param>
    /// <param name="preprocessor">Decoding, resizing and normalisation.</param>
    /// <param name="augmentation">Training augmentation, or null.</param>
    /// <param name="names">Names for error messages (paths), by example.</param>
    public ImageBatchSource(IReadOnlyList<byte[]> images, IReadOnlyList<int> labels, ImagePreprocessor preprocessor,
                            ImageAugmentationOptions? augmentation = null, IReadOnlyList<string>? names = null)
    {
        if (images.Count != labels.Count) throw new ArgumentException($"{images.Count} images but {labels.Count} labels");
        _images = images; _labels = labels; _pre = preprocessor; _aug = augmentation?.Clone(); _names = names;
    }

    /// <inheritdoc/>
    public int Count => _images.Count;

    /// <inheritdoc/>
    public Batch GetBatch(IReadOnlyList<int> indices, BatchContext context)
    {
        var bytes = indices.Select(i => _images[i]).ToArray();
        var names = indices.Select(i => _names is not null ? _names[i] : $"image #{i}").ToArray();
        var aug = context.Training ? _aug : null;
        var x = _pre.Batch(bytes, names, aug, aug is null ? null : j => context.RandomForExample(indices[j]));
        return new Batch(x, torch.tensor(indices.Select(i => (long)_labels[i]).ToArray()));
    }
}
