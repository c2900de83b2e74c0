using System.Security.Cryptography;
using Microsoft.ML.Data;

namespace WideNet.Cli.Tests;

/// <summary>`widenet make-shapes`: class folders of 32×32 grey PNGs that decode, differ by class, and repeat by seed.</summary>
public class ShapeImagesTests
{
    static string Digest(string folder) => Convert.ToHexString(SHA256.HashData(
        Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                 .SelectMany(f => Path.GetRelativePath(folder, f).Select(c => (byte)c).Concat(File.ReadAllBytes(f))).ToArray()));

    [Fact]
    public void MakeShapesWritesClassFoldersOfDecodableImagesThatRepeatBySeed()
    {
        var root = Directory.CreateTempSubdirectory("widenet-shapes").FullName;
        var (code, stdout, _) = CliTests.Run("make-shapes", "--out", Path.Combine(root, "a"), "--train-per-class", "12", "--test-per-class", "3", "--seed", "4");
        Assert.Equal(0, code);
        Assert.Contains("wrote 150 images of 10 shapes", stdout);
        foreach (var (split, n) in new[] { ("train", 12), ("test", 3) })
        {
            var classes = Directory.GetDirectories(Path.Combine(root, "a", split)).Select(Path.GetFileName).Order().ToArray();
            Assert.Equal(ShapeImages.Classes.Order(), classes);
            Assert.All(classes, c => Assert.Equal(n, Directory.GetFiles(Path.Combine(root, "a", split, c!), "*.png").Length));
        }
        using (var image = MLImage.CreateFromFile(Path.Combine(root, "a", "train", "star", "00000.png")))
            Assert.Equal((32, 32), (image.Width, image.Height));

        // The same seed writes the same bytes; another seed other images.
        CliTests.Run("make-shapes", "--out", Path.Combine(root, "b"), "--train-per-class", "12", "--test-per-class", "3", "--seed", "4");
        CliTests.Run("make-shapes", "--out", Path.Combine(root, "c"), "--train-per-class", "12", "--test-per-class", "3", "--seed", "5");
        Assert.Equal(Digest(Path.Combine(root, "a")), Digest(Path.Combine(root, "b")));
        Assert.NotEqual(Digest(Path.Combine(root, "a")), Digest(Path.Combine(root, "c")));
        Assert.NotEqual(0, CliTests.Run("make-shapes", "--out", Path.Combine(root, "d"), "--train-per-class", "0").code);
    }

    [Fact]
    public void EachShapeCoversItsOwnShareOfTheImage()
    {
        // Drawn without noise effects on the mean: a disk covers about π/4 of its bounding square's area, a ring less,
        // a star less still; classes differ in how much of the image is bright.
        double Bright(int shape)
        {
            var random = new Random(1);
            return Enumerable.Range(0, 200).Average(_ => ShapeImages.Draw(shape, random).Count(b => b > 130) / 1024.0);
        }
        var (disk, ring, star, square) = (Bright(0), Bright(1), Bright(6), Bright(3));
        Assert.True(ring < disk * 0.85, $"ring {ring:F3} vs disk {disk:F3}");
        Assert.True(star < square * 0.8, $"star {star:F3} vs square {square:F3}");
        Assert.InRange(disk, 0.1, 0.6);
    }
}
