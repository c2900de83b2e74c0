using WideNet.Torch;

namespace Microsoft.ML.WideNet.Vision;

/// <summary>
/// Test-time augmentation: an image is scored as the mean of the class probabilities of several views of it — itself
/// and its copies shifted by <see cref="Shift"/> pixels left, right, up and down (the padding shows the black of a
/// zero pixel, as the random crop of training does), each also mirrored when <see cref="Flip"/> is set. The multi-view
/// testing of AlexNet (Krizhevsky et al. 2012), here with the shifts and mirrors the network was trained to ignore.
/// Saved with the model; the ONNX graph builds the same views.
/// </summary>
/// <param name="Flip">Add the mirrored copy of every view (the model was trained with random horizontal flips).</param>
/// <param name="Shift">Pixels of the four shifted views (0: no shifted views; the model was trained with random crops).</param>
public sealed record TestTimeViews(bool Flip, int Shift)
{
    /// <summary>(dx, dy) of each unmirrored view: the image itself first.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<(int dx, int dy)> Offsets => Shift > 0
        ? [(0, 0), (Shift, 0), (-Shift, 0), (0, Shift), (0, -Shift)]
        : [(0, 0)];

    /// <summary>Views per image.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Count => Offsets.Count * (Flip ? 2 : 1);

    /// <summary>The views of <paramref name="images"/> [B, C, H, W] stacked view by view: [Count·B, C, H, W], view v
    /// of image i at row v·B + i. <paramref name="fill"/> [C] is the value of a zero pixel (after normalisation).</summary>
    public Tensor Stack(Tensor images, float[] fill)
    {
        using var scope = torch.NewDisposeScope();
        long b = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
        var views = new List<Tensor>();
        Tensor? padded = null;
        if (Shift > 0)
        {
            var s = Shift;
            using var value = torch.tensor(fill).reshape(1, c, 1, 1);
            padded = value.expand(b, c, h + 2 * s, w + 2 * s).clone();               // [B, C, H+2s, W+2s] of "black"
            padded.narrow(2, s, h).narrow(3, s, w).copy_(images);
        }
        foreach (var (dx, dy) in Offsets)
        {
            // view[y, x] = image[y − dy, x − dx]
            var view = padded is null ? images : padded.narrow(2, Shift - dy, h).narrow(3, Shift - dx, w);
            views.Add(view);
            if (Flip) views.Add(view.flip(3));
        }
        return torch.cat(views, 0).contiguous().MoveToOuterScope();               // [V·B, C, H, W]
    }

    /// <summary>Mean over the views of probabilities [Count·B·K] laid out as <see cref="Stack"/> lays out the views:
    /// [B·K].</summary>
    public float[] Average(float[] probabilities, int classes)
    {
        var rows = probabilities.Length / classes / Count;
        var mean = new float[rows * classes];
        for (var v = 0; v < Count; v++)
            for (var j = 0; j < mean.Length; j++) mean[j] += probabilities[v * mean.Length + j];
        for (var j = 0; j < mean.Length; j++) mean[j] /= Count;
        return mean;
    }

    /// <summary>"10 views (1-pixel shifts, mirrored)" for logs.</summary>
    public override string ToString() =>
        $"{Count} views" + (Shift > 0 || Flip ? $" ({string.Join(", ", new[] { Shift > 0 ? $"{Shift}-pixel shifts" : null, Flip ? "mirrored" : null }.Where(x => x is not null))})" : "");
}
