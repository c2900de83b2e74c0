using Microsoft.ML.Data;
using Microsoft.ML.WideNet.Training;
using Microsoft.ML.WideNet.Vision;
using Microsoft.ML.Transforms.Image;
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
    /// <summary>Views averaged when scoring (null: the image alone; files saved before test-time views have none).</summary>
    public TestTimeViews? Views { get; set; }

    /// <summary>This description with <paramref name="views"/> (null, or a single view, for none).</summary>
    public ImageInput WithViews(TestTimeViews? views)
    {
        var copy = (ImageInput)MemberwiseClone();
        copy.Views = views is { Count: > 1 } ? views : null;
        return copy;
    }

    /// <summary>The network-input value of a zero (black) pixel, per channel: (0 − mean) / std.</summary>
    public float[] ZeroPixel() => Enumerable.Range(0, Channels).Select(c => -Mean[Mean.Length == 1 ? 0 : c] / Std[Std.Length == 1 ? 0 : c]).ToArray();

    public ImagePreprocessor CreatePreprocessor() =>
        new(new ImagePreprocessingOptions { ImageSize = ImageSize, Channels = Channels, Mean = Mean, Std = Std });

    /// <summary>What an image column holds, by its type.</summary>
    public enum ColumnKind { EncodedBytes, Pixels, Image }

    /// <summary>The kind of a column of <paramref name="type"/>, or null for a type no image model reads.</summary>
    public static ColumnKind? KindOf(DataViewType type) => type switch
    {
        ImageDataViewType => ColumnKind.Image,
        VectorDataViewType { ItemType: var t } when t == NumberDataViewType.Byte => ColumnKind.EncodedBytes,
        VectorDataViewType { ItemType: var t } when t == NumberDataViewType.Single => ColumnKind.Pixels,
        _ => null,
    };

    const string Expected = "MLImage (mlContext.Transforms.LoadImages), encoded image bytes (mlContext.Transforms.LoadRawImageBytes) or a vector of float pixels";

    /// <summary>Checks that <paramref name="schema"/> has the image column with a type this model reads: any image or
    /// encoded bytes; float pixels only of the geometry the model was trained on.</summary>
    public void CheckSchema(DataViewSchema schema)
    {
        var col = Columns.Find(schema, Column, "image");
        switch (KindOf(col.Type))
        {
            case null:
                throw new ArgumentOutOfRangeException(nameof(schema), $"image column '{Column}' has type {col.Type}; expected {Expected}");
            case ColumnKind.Pixels when !Pixels:
                throw new ArgumentOutOfRangeException(nameof(schema), $"image column '{Column}' holds float pixels, but this model was trained on images: give it MLImage or encoded image bytes");
            case ColumnKind.Pixels when col.Type is VectorDataViewType { IsKnownSize: true } v && v.Size != PixelWidth * PixelHeight * PixelChannels:
                throw new ArgumentOutOfRangeException(nameof(schema), $"image column '{Column}' holds {v.Size} values per row; this model reads {PixelWidth}×{PixelHeight}×{PixelChannels} = {PixelWidth * PixelHeight * PixelChannels} pixels");
        }
    }

    /// <summary>Kind of column for new training; anything else is an error that says what to do.</summary>
    public static ColumnKind KindForTraining(DataViewSchema schema, string column)
    {
        var col = Columns.Find(schema, column, "image");
        return KindOf(col.Type) ?? throw new ArgumentOutOfRangeException(nameof(column), $"image column '{column}' has type {col.Type}; expected {Expected}");
    }

    /// <summary>A getter that copies the current row's image: byte[] (encoded), float[] (pixels) or
    /// <see cref="RgbImage"/> (from an MLImage).</summary>
    public Func<object> Getter(DataViewRow row)
    {
        var col = row.Schema[Column];
        switch (KindOf(col.Type))
        {
            case ColumnKind.Pixels:
            {
                var g = row.GetGetter<VBuffer<float>>(col);
                VBuffer<float> v = default;
                return () => { g(ref v); return v.DenseValues().ToArray(); };
            }
            case ColumnKind.Image:
            {
                var g = row.GetGetter<MLImage>(col);
                return () =>
                {
                    MLImage image = null!;
                    g(ref image);
                    return image is null ? RgbImage.Missing : RgbImage.From(image);
                };
            }
            default:
            {
                var b = row.GetGetter<VBuffer<byte>>(col);
                VBuffer<byte> bytes = default;
                return () => { b(ref bytes); return bytes.DenseValues().ToArray(); };
            }
        }
    }

    /// <summary>Image → float32 [C, H, W] in [0, 1] with the network's channel count.</summary>
    public Tensor Decode(ImagePreprocessor pre, object item, string name) => item switch
    {
        byte[] bytes => pre.Decode(bytes, name),
        float[] pixels => pixels.Length == PixelWidth * PixelHeight * PixelChannels && pixels.Length > 0
            ? pre.FromPixels(pixels, PixelWidth, PixelHeight, PixelChannels, Layout, PixelScale)
            : throw new InvalidDataException($"{name}: {pixels.Length} pixel values, expected {PixelWidth}×{PixelHeight}×{PixelChannels}"),
        RgbImage { Width: 0 } => throw new InvalidDataException($"{name}: the image is missing (the MLImage is null)"),
        RgbImage rgb => pre.FromPixels(rgb.Pixels, rgb.Width, rgb.Height, 3, PixelLayout.ChannelsLast, 1f / 255f),
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

/// <summary>Rows of an image data set in an <see cref="ExampleCache"/> (8-bit [C, S, S] pixels, already resized), read per
/// batch; <paramref name="records"/> maps this source's examples to cache records (a training or validation subset).</summary>
internal sealed class CachedImageBatchSource(ExampleCache cache, ImagePreprocessor pre, int channels, int size, IReadOnlyList<int> records,
                                             IReadOnlyList<int> labels, IReadOnlyList<long> rowNumbers, ImageAugmentationOptions? augmentation,
                                             string column) : IBatchSource
{
    public int Count => records.Count;

    public Batch GetBatch(IReadOnlyList<int> indices, BatchContext context)
    {
        var aug = context.Training ? augmentation : null;
        var x = pre.Batch(indices.Count, (j, _) => Image01(records[indices[j]]), j => $"column '{column}', row {rowNumbers[indices[j]]}", aug,
                          aug is null ? null : j => context.RandomForExample(indices[j]));
        return new Batch(x, torch.tensor(indices.Select(i => (long)labels[i]).ToArray()));
    }

    /// <summary>Record → float32 [C, S, S] in [0, 1], as <see cref="ImagePreprocessor.Decode"/> makes it from 8-bit pixels.</summary>
    Tensor Image01(int record)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(cache.RecordBytes);
        Tensor u8;
        try
        {
            cache.Read(record, buffer);
            u8 = torch.tensor<byte>((ReadOnlySpan<byte>)buffer.AsSpan(0, cache.RecordBytes), new long[] { channels, size, size });   // copies
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buffer); }
        using var _ = u8;
        using var f = u8.to(ScalarType.Float32);
        return f.div(255.0);
    }

    /// <summary>8-bit pixels of a preprocessed [C, S, S] image in [0, 1] (what a record holds).</summary>
    public static byte[] Record(Tensor image01)
    {
        using var scope = torch.NewDisposeScope();
        return (image01 * 255.0).round().clamp(0, 255).to(ScalarType.UInt8).contiguous().ToArray<byte>();
    }
}

/// <summary>An MLImage's pixels as RGB floats in 0–255, height × width × 3 (MLImage is BGRA or RGBA, 8 bits).</summary>
internal sealed record RgbImage(int Width, int Height, float[] Pixels)
{
    public static readonly RgbImage Missing = new(0, 0, []);

    public static RgbImage From(MLImage image)
    {
        var (w, h) = (image.Width, image.Height);
        var src = image.Pixels;
        var bgra = image.PixelFormat == MLPixelFormat.Bgra32;
        if (!bgra && image.PixelFormat != MLPixelFormat.Rgba32)
            throw new InvalidDataException($"MLImage pixel format {image.PixelFormat} is not supported (expected Bgra32 or Rgba32)");
        var dst = new float[w * h * 3];
        for (int i = 0, j = 0; i < w * h; i++, j += 4)
        {
            dst[3 * i] = src[bgra ? j + 2 : j];
            dst[3 * i + 1] = src[j + 1];
            dst[3 * i + 2] = src[bgra ? j : j + 2];
        }
        return new RgbImage(w, h, dst);
    }
}
