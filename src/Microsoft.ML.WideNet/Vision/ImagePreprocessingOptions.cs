namespace Microsoft.ML.WideNet.Vision;

/// <summary>How images are turned into network input: decoded, converted to <see cref="Channels"/>, resized to
/// <see cref="ImageSize"/>×<see cref="ImageSize"/>, scaled to [0, 1] and normalised per channel with
/// <see cref="Mean"/> and <see cref="Std"/>. Evaluation preprocessing uses only these options and is deterministic.</summary>
public sealed class ImagePreprocessingOptions
{
    /// <summary>Side of the square network input, in pixels.</summary>
    public int ImageSize = 224;

    /// <summary>Channels of the network input: 1 (grey) or 3 (RGB). Images with other channel counts are converted
    /// (grey → RGB by repetition, RGB → grey with ITU-R BT.601 luma weights, alpha dropped).</summary>
    public int Channels = 3;

    /// <summary>Per-channel mean subtracted after scaling to [0, 1] (one value, or one per channel).</summary>
    public float[] Mean = { 0.5f, 0.5f, 0.5f };

    /// <summary>Per-channel standard deviation divided by after subtracting the mean (one value, or one per channel).</summary>
    public float[] Std = { 0.5f, 0.5f, 0.5f };

    /// <summary>Evaluation resizing: false stretches the whole image to the square (default); true resizes the shorter
    /// side to ImageSize / <see cref="CenterCropFraction"/> and takes the centre square.</summary>
    public bool CenterCrop;

    /// <summary>Fraction of the resized image kept by the centre crop (0.875 is the ImageNet convention).</summary>
    public double CenterCropFraction = 0.875;

    /// <summary>A deep copy (options objects are never mutated by the library).</summary>
    public ImagePreprocessingOptions Clone() => new()
    {
        ImageSize = ImageSize, Channels = Channels, Mean = (float[])Mean.Clone(), Std = (float[])Std.Clone(),
        CenterCrop = CenterCrop, CenterCropFraction = CenterCropFraction,
    };

    internal void Validate()
    {
        if (ImageSize < 1) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "ImageSize must be positive");
        if (Channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(Channels), Channels, "Channels must be 1 (grey) or 3 (RGB)");
        if (Mean is null || (Mean.Length != 1 && Mean.Length != Channels))
            throw new ArgumentException($"Mean must hold 1 or {Channels} values", nameof(Mean));
        if (Std is null || (Std.Length != 1 && Std.Length != Channels))
            throw new ArgumentException($"Std must hold 1 or {Channels} values", nameof(Std));
        if (Std.Any(s => !(s > 0))) throw new ArgumentException("Std values must be positive", nameof(Std));
        if (!(CenterCropFraction > 0 && CenterCropFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(CenterCropFraction), CenterCropFraction, "CenterCropFraction must be in (0, 1]");
    }
}

/// <summary>How training images are cropped.</summary>
public enum CropMode
{
    /// <summary>No random crop: the image is resized to the square.</summary>
    None,
    /// <summary>Resize to the square, pad by <see cref="ImageAugmentationOptions.Padding"/> zeros on every side and take
    /// a random square (the CIFAR / Fashion-MNIST convention).</summary>
    PadAndCrop,
    /// <summary>Random-resized "Inception" crop: a random area fraction and aspect ratio of the original image,
    /// resized to the square (the ImageNet convention of the WideNet paper).</summary>
    Inception,
}

/// <summary>Random training augmentation. Every random choice comes from the <see cref="Random"/> the caller passes,
/// so a seed gives the same images every time.</summary>
public sealed class ImageAugmentationOptions
{
    /// <summary>The crop.</summary>
    public CropMode Crop = CropMode.PadAndCrop;

    /// <summary>Zero padding (pixels, at network resolution) for <see cref="CropMode.PadAndCrop"/>.</summary>
    public int Padding = 4;

    /// <summary>Smallest and largest area fraction of an Inception crop.</summary>
    public double InceptionMinScale = 0.08, InceptionMaxScale = 1.0;

    /// <summary>Smallest and largest aspect ratio (width / height) of an Inception crop.</summary>
    public double InceptionMinRatio = 3.0 / 4.0, InceptionMaxRatio = 4.0 / 3.0;

    /// <summary>Mirror left-right with probability 1/2.</summary>
    public bool HorizontalFlip = true;

    /// <summary>RandAugment-lite: number of operations applied per image (0 = off; the paper uses 2).</summary>
    public int RandAugmentOps;

    /// <summary>RandAugment magnitude on the usual 0–10 level scale (values above 10 extrapolate, as in the
    /// TensorFlow implementation the paper's "RandAugment(2, 15)" refers to).</summary>
    public double RandAugmentMagnitude = 9;

    /// <summary>A copy.</summary>
    public ImageAugmentationOptions Clone() => (ImageAugmentationOptions)MemberwiseClone();
}

/// <summary>Element order of a float pixel vector.</summary>
public enum PixelLayout
{
    /// <summary>Planar: all of channel 0, then channel 1, … (ML.NET's ExtractPixels default).</summary>
    ChannelsFirst,
    /// <summary>Interleaved: r, g, b of pixel 0, then of pixel 1, …</summary>
    ChannelsLast,
}
