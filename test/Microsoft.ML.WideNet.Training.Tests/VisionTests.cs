using Microsoft.ML.WideNet.Vision;
using WideNet.Torch;

namespace Microsoft.ML.WideNet.Training.Tests;

public class VisionTests
{
    static ImagePreprocessor Pre(int size = 16, int channels = 3) =>
        new(new ImagePreprocessingOptions { ImageSize = size, Channels = channels, Mean = new[] { 0.5f }, Std = new[] { 0.5f } });

    [Fact]
    public void TestPngEncoderCrcMatchesKnownValue() =>
        Assert.Equal(0xCBF43926u, TestPng.Crc32("123456789"u8)); // the standard CRC-32 check value

    [Fact]
    public void DecodesPngPixelsExactly()
    {
        using var scope = torch.NewDisposeScope();
        var png = TestPng.Gradient(8, 6);
        var img = Pre().Decode(png, "gradient.png");
        Assert.Equal(new long[] { 3, 6, 8 }, img.shape);
        var v = img.ToArray<float>();
        // channel 0 at (y=2, x=7) is 255/255; channel 1 at (y=5, x=0) is 1; channel 2 is 100/255 everywhere.
        Assert.Equal(1f, v[0 * 48 + 2 * 8 + 7], 5);
        Assert.Equal(1f, v[1 * 48 + 5 * 8 + 0], 5);
        Assert.Equal(100f / 255f, v[2 * 48 + 3 * 8 + 3], 5);
        Assert.Equal(0f, v[0 * 48 + 4 * 8 + 0], 5);
    }

    [Fact]
    public void EvaluationPreprocessingResizesNormalisesAndIsDeterministic()
    {
        using var scope = torch.NewDisposeScope();
        var pre = Pre(size: 20);
        var png = TestPng.Gradient(40, 30);
        var a = pre.PreprocessForEvaluation(png, "a.png");
        var b = pre.PreprocessForEvaluation(png, "a.png");
        Assert.Equal(new long[] { 3, 20, 20 }, a.shape);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.True(a.min().item<float>() >= -1.0001f && a.max().item<float>() <= 1.0001f);
        // B channel is the constant 100/255 → (100/255 − 0.5)/0.5 after normalisation.
        Assert.Equal((100f / 255f - 0.5f) / 0.5f, a[2].mean().item<float>(), 3);

        var cc = new ImagePreprocessor(new ImagePreprocessingOptions { ImageSize = 20, Channels = 3, CenterCrop = true });
        Assert.Equal(new long[] { 3, 20, 20 }, cc.PreprocessForEvaluation(png).shape);
    }

    [Fact]
    public void ConvertsGreyAndRgbToTheConfiguredChannels()
    {
        using var scope = torch.NewDisposeScope();
        var grey = TestPng.Gradient(10, 10, channels: 1);
        var rgbFromGrey = Pre(10, 3).Decode(grey, "grey.png");
        Assert.Equal(new long[] { 3, 10, 10 }, rgbFromGrey.shape);
        Assert.True(TensorAssert.Same(rgbFromGrey[0], rgbFromGrey[1]) && TensorAssert.Same(rgbFromGrey[1], rgbFromGrey[2]));

        var rgba = TestPng.Gradient(10, 10, channels: 4);
        Assert.Equal(new long[] { 1, 10, 10 }, Pre(10, 1).Decode(rgba, "rgba.png").shape);

        // Float pixel vectors: planar and interleaved layouts agree; RGB → grey uses luma weights.
        var hwc = new float[4 * 3 * 3];
        var chw = new float[4 * 3 * 3];
        for (var y = 0; y < 3; y++) for (var x = 0; x < 4; x++) for (var c = 0; c < 3; c++)
        {
            var v = (y * 4 + x) * 10 + c;
            hwc[(y * 4 + x) * 3 + c] = v;
            chw[c * 12 + y * 4 + x] = v;
        }
        var pre3 = Pre(4, 3);
        Assert.Equal(pre3.FromPixels(chw, 4, 3, 3).ToArray<float>(), pre3.FromPixels(hwc, 4, 3, 3, PixelLayout.ChannelsLast).ToArray<float>());
        var g = Pre(4, 1).FromPixels(chw, 4, 3, 3);
        Assert.Equal(new long[] { 1, 3, 4 }, g.shape);
        Assert.Equal((0.299f * 0 + 0.587f * 1 + 0.114f * 2) / 255f, g.ToArray<float>()[0], 5);
        Assert.Throws<ArgumentException>(() => pre3.FromPixels(new float[5], 4, 3, 3));
    }

    [Fact]
    public void CorruptBytesThrowAClearExceptionNamingTheSource()
    {
        var pre = Pre();
        var e = Assert.Throws<InvalidDataException>(() => pre.PreprocessForEvaluation(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, "photos/broken.jpg"));
        Assert.Contains("photos/broken.jpg", e.Message);
        Assert.Contains("decode", e.Message);
        var png = TestPng.Gradient(16, 16);
        Assert.Throws<InvalidDataException>(() => pre.Decode(png.AsSpan(0, png.Length / 2), "half.png"));
        Assert.Throws<InvalidDataException>(() => pre.Decode(ReadOnlySpan<byte>.Empty, "empty.png"));

        var batchError = Assert.Throws<InvalidDataException>(() =>
            pre.Batch(new[] { png, new byte[] { 9, 9, 9 } }, new[] { "ok.png", "bad.png" }));
        Assert.Contains("bad.png", batchError.Message);
    }

    [Fact]
    public void BatchesIntoBchw()
    {
        using var scope = torch.NewDisposeScope();
        var pre = Pre(12);
        var images = Enumerable.Range(0, 5).Select(i => TestPng.Gradient(10 + i, 8 + 2 * i)).ToArray();
        var batch = pre.Batch(images);
        Assert.Equal(new long[] { 5, 3, 12, 12 }, batch.shape);
        Assert.Equal(ScalarType.Float32, batch.dtype);
        Assert.Equal(pre.PreprocessForEvaluation(images[3]).ToArray<float>(), batch[3].contiguous().ToArray<float>());
    }

    [Theory]
    [InlineData(CropMode.PadAndCrop)]
    [InlineData(CropMode.Inception)]
    [InlineData(CropMode.None)]
    public void TrainingAugmentationIsSeededAndDeterministic(CropMode crop)
    {
        using var scope = torch.NewDisposeScope();
        var pre = Pre(16);
        var aug = new ImageAugmentationOptions { Crop = crop, Padding = 3, HorizontalFlip = true, RandAugmentOps = 2, RandAugmentMagnitude = 9 };
        var png = TestPng.Gradient(24, 20);
        float[] Run(int seed) => pre.PreprocessForTraining(png, aug, new Random(seed)).ToArray<float>();
        Assert.Equal(Run(1), Run(1));
        var differs = Enumerable.Range(2, 6).Any(s => !Run(s).SequenceEqual(Run(1)));
        Assert.True(differs);
        var images = Enumerable.Repeat(png, 4).ToArray();
        var b1 = pre.Batch(images, null, aug, i => new Random(100 + i)).ToArray<float>();
        var b2 = pre.Batch(images, null, aug, i => new Random(100 + i)).ToArray<float>();
        Assert.Equal(b1, b2);
    }

    [Fact]
    public void FlipMirrorsAndEveryRandAugmentOpKeepsShapeAndRange()
    {
        using var scope = torch.NewDisposeScope();
        var pre = Pre(8);
        var img = pre.Decode(TestPng.Gradient(8, 8));
        var noCrop = new ImageAugmentationOptions { Crop = CropMode.None, HorizontalFlip = true };
        var eval = pre.EvaluationFromImage(img);
        var seen = new HashSet<bool>();
        for (var s = 0; s < 20; s++)
        {
            var t = pre.TrainingFromImage(img, noCrop, new Random(s));
            var same = TensorAssert.Same(t, eval);
            if (!same) Assert.True(TensorAssert.Same(t, eval.flip(2)));
            seen.Add(same);
        }
        Assert.Equal(2, seen.Count);
        foreach (var op in RandAugment.Operations)
        {
            var r = RandAugment.ApplyOne(img, op, 10, new Random(3));
            Assert.Equal(img.shape, r.shape);
            Assert.True(r.min().item<float>() >= -1e-6 && r.max().item<float>() <= 1 + 1e-6, op);
        }
    }

    /// <summary>Test-time views: 5 offsets (the image, ±2 pixels in x and y) × mirrored, view v of image i at row v·B + i;
    /// the uncovered border holds the given fill, per channel; Average undoes the layout.</summary>
    [Fact]
    public void TestTimeViewsShiftWithTheFillMirrorAndAverageByView()
    {
        using var scope = torch.NewDisposeScope();
        var views = new TestTimeViews(Flip: true, Shift: 2);
        Assert.Equal(10, views.Count);
        Assert.Equal(1, new TestTimeViews(false, 0).Count);
        // two images [2, 2, 5, 6]: value = 1000·image + 100·channel + 10·y + x
        var data = new float[2 * 2 * 5 * 6];
        for (var i = 0; i < 2; i++) for (var c = 0; c < 2; c++) for (var y = 0; y < 5; y++) for (var x = 0; x < 6; x++)
            data[((i * 2 + c) * 5 + y) * 6 + x] = 1000 * i + 100 * c + 10 * y + x;
        var stacked = views.Stack(torch.tensor(data).reshape(2, 2, 5, 6), [-7f, -9f]);
        Assert.Equal(new long[] { 20, 2, 5, 6 }, stacked.shape);
        var v = stacked.ToArray<float>();
        float At(int row, int c, int y, int x) => v[((row * 2 + c) * 5 + y) * 6 + x];
        var order = new[] { (0, 0), (2, 0), (-2, 0), (0, 2), (0, -2) };
        for (var k = 0; k < order.Length; k++)
            for (var mirror = 0; mirror < 2; mirror++)
                for (var i = 0; i < 2; i++)
                    for (var c = 0; c < 2; c++) for (var y = 0; y < 5; y++) for (var x = 0; x < 6; x++)
                    {
                        var (dx, dy) = order[k];
                        var xs = mirror == 1 ? 5 - x : x;                    // the mirror of the shifted view
                        int sy = y - dy, sx = xs - dx;
                        var expected = sy is >= 0 and < 5 && sx is >= 0 and < 6 ? 1000 * i + 100 * c + 10 * sy + sx : c == 0 ? -7f : -9f;
                        Assert.Equal(expected, At((2 * k + mirror) * 2 + i, c, y, x));
                    }
        // probabilities [V·B·K] with view v of row i = v + i: the mean over views is 4.5 + i
        var p = Enumerable.Range(0, 10).SelectMany(view => Enumerable.Range(0, 2).SelectMany(i => new[] { (float)(view + i), 0f, 1f })).ToArray();
        Assert.Equal(new[] { 4.5f, 0f, 1f, 5.5f, 0f, 1f }, views.Average(p, 3));
    }
}
