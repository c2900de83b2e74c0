using Microsoft.ML.Data;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Vision;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms.Image;
using WideNet.Torch;

namespace Microsoft.ML.WideNet;

/// <summary>
/// Trains a WideNet, Brainformer, ViT or ViT-MoE image classifier from a column of encoded images (PNG, JPEG, BMP,
/// GIF; <c>LoadRawImageBytes</c>) or float pixel vectors and a key label. <see cref="Fit"/> returns a
/// <see cref="WideNetImageClassificationTransformer"/> that adds <c>Score</c> (class probabilities) and
/// <c>PredictedLabel</c>. Create it with <c>mlContext.MulticlassClassification.Trainers.WideNet(...)</c>.
/// </summary>
public sealed class WideNetImageClassificationTrainer : IEstimator<WideNetImageClassificationTransformer>
{
    /// <summary>Settings of the image estimator (public fields with defaults).</summary>
    public sealed class Options : WideNetTrainerOptionsBase
    {
        /// <summary>Creates options with the image defaults (weight average 0.999, mixup α 0.2: measured on 1,000 to
        /// 60,000 Fashion-MNIST images, docs/benchmarks.md).</summary>
        public Options() => EmaDecay = 0.999;

        /// <summary>The image column: encoded bytes (vector of byte) or pixels (vector of float).</summary>
        public string ImageColumnName = "Image";
        /// <summary>Side of the square network input; images are resized to it (0: the first training image's larger
        /// side, at most 224).</summary>
        public int ImageSize;
        /// <summary>Side of a patch (0: a 4×4 grid for images up to 64 pixels, about 14×14 above).</summary>
        public int PatchSize;
        /// <summary>A convolutional stem (3×3 stride-2 convolutions with GELU) instead of the linear
        /// patch projection, keeping the token grid of <see cref="PatchSize"/> *(a departure from the papers, as in ViT's
        /// hybrid models; off by default)*.</summary>
        public bool ConvolutionalStem;
        /// <summary>Network input channels, 1 (grey) or 3 (RGB) (0: 1 when the first training image is grey, else 3).
        /// For pixel vectors, also the channels of the vector.</summary>
        public int Channels;
        /// <summary>Width of the image in a pixel-vector column.</summary>
        public int ImageWidth;
        /// <summary>Height of the image in a pixel-vector column.</summary>
        public int ImageHeight;
        /// <summary>Element order of a pixel-vector column.</summary>
        public PixelLayout PixelLayout = PixelLayout.ChannelsFirst;
        /// <summary>Factor that maps pixel-vector values to [0, 1] (1/255 for 0–255 values).</summary>
        public float PixelScale = 1f / 255f;
        /// <summary>Per-channel mean subtracted after scaling to [0, 1] (one value for all channels, or one per channel).</summary>
        public float[] NormalizationMean = { 0.5f };
        /// <summary>Per-channel standard deviation divided by after the mean.</summary>
        public float[] NormalizationStd = { 0.5f };
        /// <summary>Mixup α (0 = off). Training only.</summary>
        public double MixupAlpha = 0.2;
        /// <summary>Random crop after padding by <see cref="CropPadding"/> pixels. Training only. Null: automatic — on
        /// below <see cref="AutomaticCropRows"/> training rows, where it is the strongest regulariser, off from there
        /// (measured on Fashion-MNIST: +5.4 points at 1,000 rows, −3.3 at 54,000; docs/benchmarks.md).</summary>
        public bool? RandomCrop;
        /// <summary>Training rows from which automatic <see cref="RandomCrop"/> is off.</summary>
        public const int AutomaticCropRows = 20_000;
        /// <summary>Padding of the random crop (0: ImageSize / 8).</summary>
        public int CropPadding;
        /// <summary>Random horizontal flips. Training only (turn off for digits and text in images).</summary>
        public bool HorizontalFlip = true;
        /// <summary>Test-time augmentation: score every image as the mean of the class probabilities of its views —
        /// itself and four copies shifted by CropPadding / 3 pixels (at least one) when random crops are on, each also
        /// mirrored when <see cref="HorizontalFlip"/> is on (10 views: scoring costs 10 forward passes per image). Used by
        /// Transform, PredictionEngine and the ONNX graph; validation during training scores one view. Null: automatic —
        /// on when <see cref="RandomCrop"/> is (small data), off otherwise (measured on 5,000 Fashion-MNIST rows: 84.57% →
        /// 86.28%; docs/benchmarks.md).</summary>
        public bool? TestTimeAugmentation;
        /// <summary>RandAugment operations per image (0 = off). Training only.</summary>
        public int RandAugmentOps;
        /// <summary>RandAugment magnitude (0–10).</summary>
        public double RandAugmentMagnitude = 9;
        /// <summary>Brainformer's block recipe (A attention, F dense FFN, M expert-choice MoE).</summary>
        public string BrainformerRecipe = BrainformerConfig.Block1;
        /// <summary>Most megabytes of training images held in memory (as read: encoded bytes, pixels). Past it the rows are
        /// written, resized to ImageSize as 8-bit pixels, to a cache file in the temp folder that the epochs read batch by
        /// batch, so data larger than memory trains; decoding is then paid once instead of every epoch. The file is
        /// deleted after Fit.</summary>
        public double MemoryLimitMB = 2048;
        /// <summary>A folder to keep the cache of preprocessed images in between runs (null: no kept cache). When set,
        /// every Fit trains from a cache file there, whatever the data's size: named by a hash of the training images
        /// and the preprocessing (image size, channels), reused by a later Fit on the same images, rebuilt when
        /// it does not match. Costs a second pass over the data view when the file is made; the first only reads and
        /// hashes. Delete the folder to reclaim the space.</summary>
        public string? CacheDirectory;

        internal override bool IsImageTask => true;

        internal override Training.TrainerOptions ToTrainerOptions(int seed, string? checkpointDirectory, int trainingRows)
        {
            var t = base.ToTrainerOptions(seed, checkpointDirectory, trainingRows);
            t.MixupAlpha = MixupAlpha;
            return t;
        }

        /// <summary>A copy.</summary>
        public Options Clone() => (Options)CloneBase();

        /// <summary>The untrained network these options describe for images of <paramref name="imageSize"/> pixels with
        /// <paramref name="channels"/> channels and <paramref name="numClasses"/> classes (to inspect sizes; the caller
        /// disposes it).</summary>
        public IClassifier CreateModel(int imageSize, int channels, int numClasses)
        {
            Validate();
            var patch = PatchSize > 0 ? PatchSize : DefaultPatchSize(imageSize);
            return ModelSpec.ForImages(this, imageSize, patch, channels, numClasses, (ulong)(uint)(Seed ?? 0)).Create();
        }

        internal void Validate()
        {
            ValidateCommon();
            if (string.IsNullOrWhiteSpace(ImageColumnName)) throw new ArgumentException("ImageColumnName must name a column", nameof(ImageColumnName));
            if (ImageSize < 0 || PatchSize < 0) throw new ArgumentOutOfRangeException(nameof(ImageSize), "ImageSize and PatchSize must not be negative");
            if (Channels is not (0 or 1 or 3)) throw new ArgumentOutOfRangeException(nameof(Channels), Channels, "Channels must be 1 or 3 (or 0 for automatic)");
            if (ImageSize > 0 && PatchSize > 0 && ImageSize % PatchSize != 0)
                throw new ArgumentException($"ImageSize {ImageSize} is not a multiple of PatchSize {PatchSize}", nameof(PatchSize));
            if (MixupAlpha < 0) throw new ArgumentOutOfRangeException(nameof(MixupAlpha), MixupAlpha, "MixupAlpha must not be negative");
        }
    }

    readonly IHost _host;
    readonly Options _options;

    /// <summary>Creates the estimator (the options are copied).</summary>
    public WideNetImageClassificationTrainer(MLContext context, Options options)
        : this((IHostEnvironment)(context ?? throw new ArgumentNullException(nameof(context))), options) { }

    internal WideNetImageClassificationTrainer(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _host = env.Register(nameof(WideNetImageClassificationTrainer));
        _options = options.Clone();
        _options.Validate();
    }

    /// <summary>The options in use (a copy).</summary>
    public Options TrainerOptions => _options.Clone();

    /// <summary>Trains on <paramref name="input"/> and returns the scoring transformer.</summary>
    public WideNetImageClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var ch = _host.Start("Fit");   // one channel per Fit: what MLContext.Log shows
        var o = _options.Clone();
        var label = Columns.Label(input.Schema, o.LabelColumnName);
        var kind = ImageInput.KindForTraining(input.Schema, o.ImageColumnName);
        var pixels = kind == ImageInput.ColumnKind.Pixels;
        if (pixels && (o.ImageWidth < 1 || o.ImageHeight < 1 || o.Channels < 1))
            throw new ArgumentException($"image column '{o.ImageColumnName}' holds float pixels: set ImageWidth, ImageHeight and Channels in the options");
        var probe = new ImageInput
        {
            Column = o.ImageColumnName, Pixels = pixels, PixelWidth = o.ImageWidth, PixelHeight = o.ImageHeight,
            PixelChannels = o.Channels, Layout = o.PixelLayout, PixelScale = o.PixelScale, ImageSize = 1, Channels = Math.Max(1, o.Channels),
        };
        probe.CheckSchema(input.Schema);
        LabeledRows<object> Read(IDataView data, string name)
        {
            probe.CheckSchema(data.Schema);
            return EstimatorCore.Read(data, label, new[] { data.Schema[o.ImageColumnName] }, probe.Getter, name);
        }
        // ---- the training rows: in memory up to MemoryLimitMB of image data; past it, a cache file of resized pixels ----
        var rows = new LabeledRows<object>([], [], [], 0);
        Training.ExampleCache? cache = null;
        var (imageSize, channels, patch) = (0, 0, 0);
        ImageInput input0 = null!;
        ImagePreprocessor pre = null!;
        void Geometry(object first, long row)                     // from the options, or from the first image
        {
            (imageSize, channels) = (o.ImageSize, o.Channels);
            if (imageSize == 0 || channels == 0)
            {
                var (w, h, c) = pixels ? (o.ImageWidth, o.ImageHeight, o.Channels) : Probe(first, $"training data, column '{o.ImageColumnName}', row {row}");
                if (imageSize == 0) imageSize = SideFor(w, h);
                if (channels == 0) channels = c == 1 ? 1 : 3;
            }
            patch = o.PatchSize > 0 ? o.PatchSize : DefaultPatchSize(imageSize);
            if (imageSize % patch != 0) throw new ArgumentException($"ImageSize {imageSize} is not a multiple of PatchSize {patch}");
            input0 = new ImageInput
            {
                Column = o.ImageColumnName, Pixels = pixels, PixelWidth = o.ImageWidth, PixelHeight = o.ImageHeight, PixelChannels = o.Channels,
                Layout = o.PixelLayout, PixelScale = o.PixelScale, ImageSize = imageSize, Channels = channels,
                Mean = o.NormalizationMean.ToArray(), Std = o.NormalizationStd.ToArray(),
            };
            pre = input0.CreatePreprocessor();
        }
        byte[] Record(object item, long row)
        {
            using var scope = torch.NewDisposeScope();
            var image01 = input0.Decode(pre, item, $"training data, column '{o.ImageColumnName}', row {row}");
            return CachedImageBatchSource.Record(ImagePreprocessor.Resize(image01, imageSize, imageSize));
        }
        var limit = (long)Math.Min(long.MaxValue / 2, o.MemoryLimitMB * 1048576);
        long held = 0, peak = 0;
        int skipped;
        try
        {
            probe.CheckSchema(input.Schema);
            var columns = new[] { input.Schema[o.ImageColumnName] };
            if (o.CacheDirectory is not null)
                skipped = KeptCache(o, ch, input, label, columns, probe, rows, Geometry, () => (channels, imageSize, input0), Record, out cache);
            else
                skipped = EstimatorCore.Stream(input, label, columns, probe.Getter, "training data", (item, y, row) =>
                {
                    rows.Labels.Add(y);
                    rows.RowNumbers.Add(row);
                    if (cache is not null) { cache.Append(Record(item, row)); return; }
                    rows.Items.Add(item);
                    held += SizeOf(item);
                    peak = Math.Max(peak, held);
                    if (held <= limit) return;
                    Geometry(rows.Items[0], rows.RowNumbers[0]);
                    var path = Path.Combine(Path.GetTempPath(), $"widenet-images-{Guid.NewGuid():N}.cache");
                    EstimatorCore.Log(ch, FormattableString.Invariant(
                        $"the training images pass MemoryLimitMB ({o.MemoryLimitMB:G4} MB) at row {row}: caching them as {channels}×{imageSize}×{imageSize} 8-bit pixels in {path}"));
                    cache = new Training.ExampleCache(path, channels * imageSize * imageSize);
                    for (var i = 0; i < rows.Items.Count; i++) cache.Append(Record(rows.Items[i], rows.RowNumbers[i]));
                    rows.Items.Clear();
                    rows.Items.TrimExcess();
                    held = 0;
                });
        }
        catch
        {
            cache?.Dispose();
            throw;
        }
        rows = rows with { SkippedMissingLabels = skipped };
        try
        {
            EstimatorCore.CheckTrainingRows(rows, label);
            if (rows.SkippedMissingLabels > 0) EstimatorCore.Log(ch, $"skipped {rows.SkippedMissingLabels} rows with a missing label");
            MLNetBridge.CheckAlive(_host);
            if (cache is null) Geometry(rows.Items[0], rows.RowNumbers[0]);
            else
            {
                cache.Seal();
                EstimatorCore.Log(ch, FormattableString.Invariant(
                    $"cached {cache.Count} training rows ({cache.Length / 1048576.0:F1} MB on disk); at most {peak / 1048576.0:F2} MB of rows were held in memory"));
            }
            return FitOn(o, ch, label, rows, cache, input0, pre, imageSize, channels, patch, Read);
        }
        finally { cache?.Dispose(); }
    }

    /// <summary>The cache kept in <see cref="Options.CacheDirectory"/>: a first pass reads the labels and hashes every image
    /// (no decoding); the file named by that hash and the preprocessing is reused when it is there and whole, else a
    /// second pass decodes the images into it. Returns the rows with a missing label.</summary>
    static int KeptCache(Options o, IChannel ch, IDataView input, LabelInfo label, DataViewSchema.Column[] columns, ImageInput probe,
                         LabeledRows<object> rows, Action<object, long> geometry, Func<(int channels, int size, ImageInput input)> shape,
                         Func<object, long, byte[]> record, out Training.ExampleCache? cache)
    {
        cache = null;
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        object? first = null;
        var skipped = EstimatorCore.Stream(input, label, columns, probe.Getter, "training data", (item, y, row) =>
        {
            rows.Labels.Add(y);
            rows.RowNumbers.Add(row);
            first ??= item;
            HashImage(hash, item);
        });
        if (first is null) return skipped;
        geometry(first, rows.RowNumbers[0]);
        var (channels, size, input0) = shape();
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(FormattableString.Invariant(    // the preprocessing a record depends on
            $"records v1: {channels}x{size}x{size} uint8; pixels {input0.Pixels} {input0.PixelWidth}x{input0.PixelHeight}x{input0.PixelChannels} {input0.Layout} {input0.PixelScale:R}")));
        var key = hash.GetHashAndReset();
        var path = Path.Combine(o.CacheDirectory!, $"widenet-images-{Convert.ToHexString(key, 0, 12).ToLowerInvariant()}.cache");
        var recordBytes = channels * size * size;
        cache = Training.ExampleCache.TryOpen(path, recordBytes, rows.Labels.Count, key, out var why);
        if (cache is not null)
        {
            EstimatorCore.Log(ch, FormattableString.Invariant($"reusing the image cache {path} ({cache.Count} rows, {cache.Length / 1048576.0:F1} MB): no image is decoded"));
            return skipped;
        }
        EstimatorCore.Log(ch, FormattableString.Invariant(
            $"{(why is null ? "caching" : $"rebuilding the cache ({why}):")} the training images as {channels}×{size}×{size} 8-bit pixels in {path}, kept for later runs"));
        var c = cache = new Training.ExampleCache(path, recordBytes, keep: true, key);
        EstimatorCore.Stream(input, label, columns, probe.Getter, "training data", (item, _, row) => c.Append(record(item, row)));
        if (c.Count != rows.Labels.Count)
            throw new InvalidOperationException($"the training data gave {rows.Labels.Count} labelled rows on the first pass and {c.Count} on the second: " +
                                                "a data view read twice must give the same rows (cache it, or leave CacheDirectory unset)");
        return skipped;
    }

    static void HashImage(System.Security.Cryptography.IncrementalHash hash, object item)
    {
        Span<byte> length = stackalloc byte[8];
        switch (item)
        {
            case byte[] b:
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, b.Length);
                hash.AppendData(length);
                hash.AppendData(b);
                break;
            case float[] f:
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, f.Length);
                hash.AppendData(length);
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(f.AsSpan()));
                break;
            case RgbImage r:
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, r.Width);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length[4..], r.Height);
                hash.AppendData(length);
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(r.Pixels.AsSpan()));
                break;
        }
    }

    static long SizeOf(object item) => item switch
    {
        byte[] b => b.Length + 24,
        float[] f => 4L * f.Length + 24,
        RgbImage r => 4L * r.Pixels.Length + 48,
        _ => 64,
    };

    WideNetImageClassificationTransformer FitOn(Options o, IChannel ch, LabelInfo label, LabeledRows<object> rows, Training.ExampleCache? cache,
                                               ImageInput input0, ImagePreprocessor pre, int imageSize, int channels, int patch,
                                               Func<IDataView, string, LabeledRows<object>> Read)
    {
        var seed = o.Seed ?? _host.Rand.Next();
        var (train, validation) = cache is not null && o.ValidationSet is null ? (rows, null)
            : EstimatorCore.Split(rows, o.ValidationSet, o.ValidationFraction, seed, label, v => Read(v, "validation set"), m => EstimatorCore.Log(ch, m));
        // rows in the cache: the same stratified split, over record numbers
        var (trainRecords, validationRecords) = cache is null ? (null, null)
            : o.ValidationSet is null && EstimatorCore.SplitIndices(rows.Labels, o.ValidationFraction, seed, m => EstimatorCore.Log(ch, m)) is var (t, v) ? (t, v)
            : (Enumerable.Range(0, rows.Labels.Count).ToList(), (List<int>?)null);
        var trainingRows = trainRecords?.Count ?? train.Items.Count;
        var crop = o.RandomCrop ?? trainingRows < Options.AutomaticCropRows;
        if (o.RandomCrop is null) EstimatorCore.Log(ch, $"RandomCrop automatic: {(crop ? "on" : "off")} for {trainingRows} training rows");
        var augmentation = new ImageAugmentationOptions
        {
            Crop = crop ? CropMode.PadAndCrop : CropMode.None,
            Padding = o.CropPadding > 0 ? o.CropPadding : Math.Max(1, imageSize / 8),
            HorizontalFlip = o.HorizontalFlip,
            RandAugmentOps = o.RandAugmentOps,
            RandAugmentMagnitude = o.RandAugmentMagnitude,
        };
        var anyAugmentation = crop || o.HorizontalFlip || o.RandAugmentOps > 0;
        var views = o.TestTimeAugmentation ?? crop ? new TestTimeViews(o.HorizontalFlip, crop ? Math.Max(1, augmentation.Padding / 3) : 0) : null;
        if (views is { Count: 1 }) views = null;
        if (o.TestTimeAugmentation is null || views is not null)
            EstimatorCore.Log(ch, $"TestTimeAugmentation{(o.TestTimeAugmentation is null ? " automatic" : "")}: {(views is null ? "off" : $"on, {views}")}");
        var spec = ModelSpec.ForImages(o, imageSize, patch, channels, label.ClassCount, (ulong)(uint)seed);
        EstimatorCore.Log(ch, $"{spec.Describe()}, {label.ClassCount} classes, {channels} channel(s)");
        var model = spec.Create();
        try
        {
            Training.IBatchSource Cached(List<int> records, ImageAugmentationOptions? aug) =>
                new CachedImageBatchSource(cache!, pre, channels, imageSize, records, records.Select(i => rows.Labels[i]).ToList(),
                                           records.Select(i => rows.RowNumbers[i]).ToList(), aug, o.ImageColumnName);
            var trainSource = trainRecords is not null ? Cached(trainRecords, anyAugmentation ? augmentation : null)
                : new ImageRowsBatchSource(input0, pre, train.Items, train.Labels, train.RowNumbers, anyAugmentation ? augmentation : null);
            var validationSource = validationRecords is not null ? Cached(validationRecords, null)
                : validation is null ? null
                : new ImageRowsBatchSource(input0, pre, validation.Items, validation.Labels, validation.RowNumbers, null);
            var trainOptions = o.Clone();
            var result = EstimatorCore.Train(_host, ch, trainOptions, seed, model, trainSource, validationSource);
            return new WideNetImageClassificationTransformer(_host, model, spec, label, o.ScoreColumnName, o.PredictedLabelColumnName, input0.WithViews(views), result);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The image size a Fit on <paramref name="input"/> would use: the options' ImageSize, or the larger side of
    /// the first image (at most 224). Lets the tuner keep only patch sizes that divide it.</summary>
    internal static int ImageSizeFor(IDataView input, Options o)
    {
        if (o.ImageSize > 0) return o.ImageSize;
        if (ImageInput.KindForTraining(input.Schema, o.ImageColumnName) == ImageInput.ColumnKind.Pixels)
            return SideFor(o.ImageWidth, o.ImageHeight);
        var probe = new ImageInput { Column = o.ImageColumnName, ImageSize = 1, Channels = 1 };
        using var cursor = input.GetRowCursor(new[] { input.Schema[o.ImageColumnName] });
        var get = probe.Getter(cursor);
        if (!cursor.MoveNext()) throw new ArgumentException("the training data has no rows");
        var (w, h, _) = Probe(get(), $"training data, column '{o.ImageColumnName}', row 1");
        return SideFor(w, h);
    }

    /// <summary>The square side images are resized to when ImageSize is not set: the larger side, at most 224.</summary>
    static int SideFor(int width, int height) => Math.Min(224, Math.Max(width, height));

    /// <summary>Width, height and channels of an image (encoded bytes, or an MLImage: grey when R = G = B everywhere).</summary>
    static (int width, int height, int channels) Probe(object item, string name)
    {
        if (item is RgbImage rgb)
        {
            if (rgb.Width == 0) throw new InvalidDataException($"{name}: the image is missing (the MLImage is null)");
            var grey = true;
            for (var i = 0; i < rgb.Pixels.Length && grey; i += 3) grey = rgb.Pixels[i] == rgb.Pixels[i + 1] && rgb.Pixels[i] == rgb.Pixels[i + 2];
            return (rgb.Width, rgb.Height, grey ? 1 : 3);
        }
        try
        {
            using var hwc = torch.decode_image((byte[])item);
            return ((int)hwc.size(1), (int)hwc.size(0), (int)hwc.size(2));
        }
        catch (TorchException e) { throw new InvalidDataException($"{name}: cannot decode image ({e.Message})", e); }
    }

    /// <summary>A 4×4 grid of patches for images up to 64 pixels (cheap on a CPU), about 14×14 above (ViT-B/16 at 224).</summary>
    internal static int DefaultPatchSize(int imageSize)
    {
        var target = imageSize <= 64 ? 4 : 14;
        return Enumerable.Range(1, imageSize).Where(p => imageSize % p == 0)
                         .OrderBy(p => Math.Abs(imageSize / p - target)).ThenByDescending(p => p).First();
    }

    /// <summary>The input plus Score and PredictedLabel; throws, naming the column, when the label or the image column is
    /// missing or has a type the trainer cannot read.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaChecks.Label(inputSchema, _options.LabelColumnName);
        if (!SchemaChecks.TryFind(inputSchema, _options.ImageColumnName, out var image))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"image column '{_options.ImageColumnName}' not found; the data has {SchemaChecks.Names(inputSchema)}");
        var ok = image.ItemType is ImageDataViewType && image.Kind == SchemaShape.Column.VectorKind.Scalar
                 || image.Kind != SchemaShape.Column.VectorKind.Scalar && (image.ItemType == NumberDataViewType.Byte || image.ItemType == NumberDataViewType.Single);
        if (!ok)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"image column '{_options.ImageColumnName}' has type {SchemaChecks.Describe(image)}; expected " +
                                                  "MLImage (LoadImages), encoded image bytes (LoadRawImageBytes) or a vector of float pixels");
        return WideNetClassificationTransformer.OutputShape(inputSchema, _options.LabelColumnName, _options.ScoreColumnName, _options.PredictedLabelColumnName);
    }
}
