using WideNet.Torch;
using F = WideNet.Torch.torch.nn.functional;

namespace Microsoft.ML.WideNet.Vision;

/// <summary>
/// Turns encoded images (PNG, JPEG, BMP, GIF) or float pixel vectors into normalised float32 network input
/// [C, S, S] and batches [B, C, S, S]. Evaluation preprocessing is deterministic; training preprocessing applies
/// <see cref="ImageAugmentationOptions"/> with randomness drawn only from the <see cref="Random"/> passed in.
/// Every returned tensor is a CPU tensor owned by the caller's dispose scope (or by the caller).
/// </summary>
public sealed class ImagePreprocessor
{
    readonly ImagePreprocessingOptions _o;
    readonly float[] _mean, _std;

    /// <summary>Creates a preprocessor (the options are copied).</summary>
    public ImagePreprocessor(ImagePreprocessingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _o = options.Clone();
        _mean = _o.Mean.Length == 1 ? Enumerable.Repeat(_o.Mean[0], _o.Channels).ToArray() : _o.Mean;
        _std = _o.Std.Length == 1 ? Enumerable.Repeat(_o.Std[0], _o.Channels).ToArray() : _o.Std;
    }

    /// <summary>The options in use (a copy).</summary>
    public ImagePreprocessingOptions Options => _o.Clone();

    // ---- decoding and conversion -----------------------------------------------------------------------------

    /// <summary>Decodes <paramref name="bytes"/> into float32 [C, H, W] in [0, 1] with the configured channel count, at
    /// the file's own size. Corrupt, truncated or unsupported data throws <see cref="InvalidDataException"/> naming
    /// <paramref name="source"/>.</summary>
    public Tensor Decode(ReadOnlySpan<byte> bytes, string source = "image")
    {
        if (bytes.IsEmpty) throw new InvalidDataException($"{source}: cannot decode image: the data is empty");
        Tensor hwc;
        try { hwc = torch.decode_image(bytes, _o.Channels); }
        catch (TorchException e) { throw new InvalidDataException($"{source}: cannot decode image ({e.Message})", e); }
        using (hwc)
        using (var chw = hwc.permute(2, 0, 1))
        using (var f = chw.to(ScalarType.Float32))
            return f.div(255.0);
    }

    /// <summary>Builds float32 [C, H, W] in [0, 1] with the configured channel count from a pixel vector of
    /// <paramref name="height"/>·<paramref name="width"/>·<paramref name="channels"/> values, multiplied by
    /// <paramref name="scale"/> (1/255 for 0–255 pixel values, 1 for values already in [0, 1]).</summary>
    public Tensor FromPixels(ReadOnlySpan<float> pixels, int width, int height, int channels,
                             PixelLayout layout = PixelLayout.ChannelsFirst, float scale = 1f / 255f)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}×{height} is not positive");
        if (channels is not (1 or 3 or 4)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1, 3 or 4");
        if (pixels.Length != (long)width * height * channels)
            throw new ArgumentException($"expected {width}×{height}×{channels} = {(long)width * height * channels} pixel values, got {pixels.Length}", nameof(pixels));
        using var scope = torch.NewDisposeScope();
        var t = layout == PixelLayout.ChannelsFirst
            ? torch.tensor(pixels, new long[] { channels, height, width })
            : torch.tensor(pixels, new long[] { height, width, channels }).permute(2, 0, 1);
        t = (t * scale).clamp(0, 1);
        return ConvertChannels(t).contiguous().MoveToOuterScope();
    }

    /// <summary>Converts [c, H, W] (c = 1, 3 or 4) to the configured channel count.</summary>
    Tensor ConvertChannels(Tensor chw)
    {
        var c = chw.size(0);
        if (c == 4) { chw = chw.narrow(0, 0, 3); c = 3; }
        if (c == _o.Channels) return chw;
        if (c == 1) return chw.expand(_o.Channels, -1, -1);
        // RGB → grey with BT.601 luma weights (what stb_image uses when it converts).
        using var w = torch.tensor(new[] { 0.299f, 0.587f, 0.114f }, 3, 1, 1);
        return (chw * w).sum(0, keepdim: true);
    }

    // ---- geometry ------------------------------------------------------------------------------------------

    /// <summary>Bilinear resize of [C, H, W] (or [B, C, H, W]) to <paramref name="height"/>×<paramref name="width"/>,
    /// antialiased when shrinking.</summary>
    public static Tensor Resize(Tensor image, long height, long width)
    {
        var batched = image.dim() == 4;
        using var scope = torch.NewDisposeScope();
        var x = batched ? image : image.unsqueeze(0);
        var shrink = x.size(2) > height || x.size(3) > width;
        var y = x.size(2) == height && x.size(3) == width ? x.clone() : F.interpolate_bilinear(x, height, width, antialias: shrink);
        return (batched ? y : y.squeeze(0)).MoveToOuterScope();
    }

    /// <summary>(x − mean) / std per channel, for [C, H, W] or [B, C, H, W].</summary>
    public Tensor Normalize(Tensor image)
    {
        var c = _o.Channels;
        using var m = torch.tensor(_mean, c, 1, 1);
        using var s = torch.tensor(_std, c, 1, 1);
        using var centred = image - m;
        return centred / s;
    }

    // ---- full pipelines ------------------------------------------------------------------------------------

    /// <summary>Deterministic evaluation preprocessing of encoded bytes: decode, resize (or centre crop), normalise →
    /// [C, S, S].</summary>
    public Tensor PreprocessForEvaluation(ReadOnlySpan<byte> bytes, string source = "image")
    {
        using var img = Decode(bytes, source);
        return EvaluationFromImage(img);
    }

    /// <summary>Training preprocessing of encoded bytes: decode, random crop, flip, RandAugment-lite, normalise →
    /// [C, S, S]; every random choice comes from <paramref name="random"/>.</summary>
    public Tensor PreprocessForTraining(ReadOnlySpan<byte> bytes, ImageAugmentationOptions augmentation, Random random, string source = "image")
    {
        using var img = Decode(bytes, source);
        return TrainingFromImage(img, augmentation, random);
    }

    /// <summary>Deterministic evaluation preprocessing of a [C, H, W] image in [0, 1] with the configured channels.</summary>
    public Tensor EvaluationFromImage(Tensor image01)
    {
        using var scope = torch.NewDisposeScope();
        var s = _o.ImageSize;
        Tensor sized;
        if (_o.CenterCrop)
        {
            long h = image01.size(1), w = image01.size(2);
            var shorter = Math.Max(s, (long)Math.Round(s / _o.CenterCropFraction));
            var (nh, nw) = h <= w ? (shorter, Math.Max(s, (long)Math.Round((double)w * shorter / h))) : (Math.Max(s, (long)Math.Round((double)h * shorter / w)), shorter);
            var r = Resize(image01, nh, nw);
            sized = r.narrow(1, (nh - s) / 2, s).narrow(2, (nw - s) / 2, s);
        }
        else sized = Resize(image01, s, s);
        return Normalize(sized).contiguous().MoveToOuterScope();
    }

    /// <summary>Training preprocessing of a [C, H, W] image in [0, 1] with the configured channels.</summary>
    public Tensor TrainingFromImage(Tensor image01, ImageAugmentationOptions augmentation, Random random)
    {
        ArgumentNullException.ThrowIfNull(augmentation);
        ArgumentNullException.ThrowIfNull(random);
        using var scope = torch.NewDisposeScope();
        var s = _o.ImageSize;
        Tensor x;
        switch (augmentation.Crop)
        {
            case CropMode.Inception:
                var (top, left, ch, cw) = InceptionBox(image01.size(1), image01.size(2), augmentation, random);
                x = Resize(image01.narrow(1, top, ch).narrow(2, left, cw), s, s);
                break;
            case CropMode.PadAndCrop when augmentation.Padding > 0:
                var p = augmentation.Padding;
                var resized = Resize(image01, s, s);
                var padded = torch.zeros(new long[] { _o.Channels, s + 2 * p, s + 2 * p });
                padded.narrow(1, p, s).narrow(2, p, s).copy_(resized);
                var dy = random.Next(2 * p + 1);
                var dx = random.Next(2 * p + 1);
                x = padded.narrow(1, dy, s).narrow(2, dx, s);
                break;
            default:
                x = Resize(image01, s, s);
                break;
        }
        if (augmentation.HorizontalFlip && random.Next(2) == 1) x = x.flip(2);
        if (augmentation.RandAugmentOps > 0) x = RandAugment.Apply(x, augmentation.RandAugmentOps, augmentation.RandAugmentMagnitude, random);
        return Normalize(x).contiguous().MoveToOuterScope();
    }

    /// <summary>The random-resized crop box (torchvision's RandomResizedCrop.get_params with 10 attempts, then a
    /// central crop clamped to the ratio range).</summary>
    static (long top, long left, long height, long width) InceptionBox(long h, long w, ImageAugmentationOptions a, Random random)
    {
        var area = (double)h * w;
        double logMin = Math.Log(a.InceptionMinRatio), logMax = Math.Log(a.InceptionMaxRatio);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var target = area * (a.InceptionMinScale + random.NextDouble() * (a.InceptionMaxScale - a.InceptionMinScale));
            var ratio = Math.Exp(logMin + random.NextDouble() * (logMax - logMin));
            var cw = (long)Math.Round(Math.Sqrt(target * ratio));
            var ch = (long)Math.Round(Math.Sqrt(target / ratio));
            if (cw > 0 && ch > 0 && cw <= w && ch <= h)
                return (random.NextInt64(h - ch + 1), random.NextInt64(w - cw + 1), ch, cw);
        }
        var inRatio = (double)w / h;
        long fh = h, fw = w;
        if (inRatio < a.InceptionMinRatio) fh = Math.Max(1, (long)Math.Round(w / a.InceptionMinRatio));
        else if (inRatio > a.InceptionMaxRatio) fw = Math.Max(1, (long)Math.Round(h * a.InceptionMaxRatio));
        return ((h - fh) / 2, (w - fw) / 2, fh, fw);
    }

    // ---- batching -------------------------------------------------------------------------------------------

    /// <summary>Preprocesses many encoded images into one float32 batch [B, C, S, S], decoding in parallel.
    /// Without <paramref name="augmentation"/> it is the deterministic evaluation path; with it, image i draws its
    /// randomness from <paramref name="randomFor"/>(i) (required then), so results do not depend on thread timing.</summary>
    /// <param name="images">Encoded image bytes.</param>
    /// <param name="sources">Names used in error messages (file paths, row numbers); defaults to "image #i".</param>
    /// <param name="augmentation">Training augmentation, or null for evaluation.</param>
    /// <param name="randomFor">The random source of image i (e.g. seeded from epoch and example index).</param>
    public Tensor Batch(IReadOnlyList<byte[]> images, IReadOnlyList<string>? sources = null,
                        ImageAugmentationOptions? augmentation = null, Func<int, Random>? randomFor = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        return Batch(images.Count, (i, name) => Decode(images[i], name),
                     i => sources is not null && i < sources.Count ? sources[i] : $"image #{i}", augmentation, randomFor);
    }

    /// <summary>Preprocesses <paramref name="count"/> images given by <paramref name="decode01"/> (image i and its name →
    /// float32 [C, H, W] in [0, 1], e.g. <see cref="Decode"/> or <see cref="FromPixels"/>) into one batch [B, C, S, S],
    /// in parallel; randomness as in the overload for encoded bytes.</summary>
    public Tensor Batch(int count, Func<int, string, Tensor> decode01, Func<int, string> nameOf,
                        ImageAugmentationOptions? augmentation = null, Func<int, Random>? randomFor = null)
    {
        ArgumentNullException.ThrowIfNull(decode01);
        ArgumentNullException.ThrowIfNull(nameOf);
        if (augmentation is not null && randomFor is null) throw new ArgumentNullException(nameof(randomFor), "training augmentation needs a random source per image");
        var results = new Tensor[count];
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
            {
                Tensor r;
                using (var scope = torch.NewDisposeScope())
                {
                    var image = decode01(i, nameOf(i));
                    r = augmentation is null ? EvaluationFromImage(image) : TrainingFromImage(image, augmentation, randomFor!(i));
                    r.DetachFromDisposeScope();
                }
                results[i] = r;
            });
            return torch.stack(results, 0);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            // Report the first failing image the way a sequential loop would.
            throw e.InnerExceptions[0] is InvalidDataException ide ? new InvalidDataException(ide.Message, ide) : e.InnerExceptions[0];
        }
        finally
        {
            foreach (var r in results) r?.Dispose();
        }
    }

    /// <summary>Stacks already preprocessed [C, S, S] tensors into [B, C, S, S].</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> images) => torch.stack(images, 0);
}
