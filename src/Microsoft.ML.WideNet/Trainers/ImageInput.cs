using Microsoft.ML.Data;
using Microsoft.ML.WideNet.Training;
using Microsoft.ML.WideNet.Vision;
using WideNet.Torch;

namespace Microsoft.ML.WideNet;

/// <summary>How an image column is read and turned into network input; saved with the model so that scoring
/// preprocesses exactly like evaluation during training.</summary>
internal sealed class ImageInput
{
    /// <summary>The image column.</summary>
    public string Column { get; set; } = "";
    /// <summary>True: a float pixel vector; false: encoded bytes (PNG, JPEG, BMP, GIF).</summary>
    public bool Pixels { get; set; }
    public int PixelWidth { get; set; }
    public int PixelHeight { get; set; }
    public int PixelChannels { get; set; }
    public PixelLayout Layout { get; set; }
    public float PixelScale { get; set; } = 1f / 255f;
    /// <summary>Network input side and channels.</summary>
    public int ImageSize { get; set; }
    public int Channels { get; set; }
    public float[] Mean { get; set; } = { 0.5f };
    public float[] Std { get; set; } = { 0.5f };

    public ImagePreprocessor CreatePreprocessor() =>
        new(new ImagePreprocessingOptions { ImageSize = ImageSize, Channels = Channels, Mean = Mean, Std = Std });

    /// <summary>Checks that <paramref name="schema"/> has the image column with a usable type.</summary>
    public void CheckSchema(DataViewSchema schema)
    {
        var col = Columns.Find(schema, Column, "image");
        if (Pixels)
        {
            if (col.Type is not VectorDataViewType { ItemType: var it } v || it != NumberDataViewType.Single)
                throw new ArgumentException($"image column '{Column}' has type {col.Type}; this model reads float pixel vectors", nameof(schema));
            if (v.IsKnownSize && v.Size != PixelWidth * PixelHeight * PixelChannels)
                throw new ArgumentException($"image column '{Column}' holds {v.Size} values per row; this model reads {PixelWidth}×{PixelHeight}×{PixelChannels} = {PixelWidth * PixelHeight * PixelChannels} pixels", nameof(schema));
        }
        else if (col.Type is not VectorDataViewType { ItemType: var bt } || bt != NumberDataViewType.Byte)
            throw new ArgumentException($"image column '{Column}' has type {col.Type}; this model reads encoded image bytes (mlContext.Transforms.LoadRawImageBytes)", nameof(schema));
    }

    /// <summary>Kind of column for new training: bytes or pixels; anything else is an error that says what to do.</summary>
    public static bool IsPixelColumn(DataViewSchema schema, string column)
    {
        var col = Columns.Find(schema, column, "image");
        return col.Type switch
        {
            VectorDataViewType { ItemType: var t } when t == NumberDataViewType.Byte => false,
            VectorDataViewType { ItemType: var t } when t == NumberDataViewType.Single => true,
            _ => throw new ArgumentException($"image column '{column}' has type {col.Type}; expected encoded image bytes " +
                                             "(mlContext.Transforms.LoadRawImageBytes) or a vector of float pixels", nameof(column)),
        };
    }

    /// <summary>A getter that copies the current row's image (byte[] or float[]).</summary>
    public Func<object> Getter(DataViewRow row)
    {
        var col = row.Schema[Column];
        if (Pixels)
        {
            var g = row.GetGetter<VBuffer<float>>(col);
            VBuffer<float> v = default;
            return () => { g(ref v); return v.DenseValues().ToArray(); };
        }
        var b = row.GetGetter<VBuffer<byte>>(col);
        VBuffer<byte> bytes = default;
        return () => { b(ref bytes); return bytes.DenseValues().ToArray(); };
    }

    /// <summary>Image → float32 [C, H, W] in [0, 1] with the network's channel count.</summary>
    public Tensor Decode(ImagePreprocessor pre, object item, string name) => item switch
    {
        byte[] bytes => pre.Decode(bytes, name),
        float[] pixels => pixels.Length == PixelWidth * PixelHeight * PixelChannels
            ? pre.FromPixels(pixels, PixelWidth, PixelHeight, PixelChannels, Layout, PixelScale)
            : throw new InvalidDataException($"{name}: {pixels.Length} pixel values, expected {PixelWidth}×{PixelHeight}×{PixelChannels}"),
        _ => throw new InvalidDataException($"{name}: not an image"),
    };

    /// <summary>Preprocesses images into a batch [B, C, S, S] (augmented when <paramref name="augmentation"/> is set).</summary>
    public Tensor Batch(ImagePreprocessor pre, IReadOnlyList<object> items, Func<int, string> nameOf,
                        ImageAugmentationOptions? augmentation = null, Func<int, Random>? randomFor = null) =>
        pre.Batch(items.Count, (i, name) => Decode(pre, items[i], name), nameOf, augmentation, randomFor);
}

/// <summary>Rows of an image data set held in memory (encoded bytes or pixel arrays) with 0-based labels; decoded per
/// batch, augmented for training batches only.</summary>
internal sealed class ImageRowsBatchSource(ImageInput input, ImagePreprocessor pre, IReadOnlyList<object> items, IReadOnlyList<int> labels,
                                           IReadOnlyList<long> rowNumbers, ImageAugmentationOptions? augmentation) : IBatchSource
{
    public int Count => items.Count;

    public Batch GetBatch(IReadOnlyList<int> indices, BatchContext context)
    {
        var aug = context.Training ? augmentation : null;
        var chosen = indices.Select(i => items[i]).ToArray();
        var x = input.Batch(pre, chosen, j => $"column '{input.Column}', row {rowNumbers[indices[j]]}", aug,
                            aug is null ? null : j => context.RandomForExample(indices[j]));
        return new Batch(x, torch.tensor(indices.Select(i => (long)labels[i]).ToArray()));
    }
}
