using System.CommandLine;
using Microsoft.ML.WideNet.Vision;

namespace WideNet.Cli;

/// <summary>
/// A small image set of another kind than Fashion-MNIST, made here (no download): grey 32×32 PNGs of ten filled
/// shapes, each at a random size, rotation and place, in a random grey on a noisy background, with a few stray lines.
/// Written as class folders (<c>train/&lt;class&gt;/00000.png</c>, <c>test/...</c>), the layout ML.NET image users
/// have, for measuring small-data defaults against ML.NET's trainers (<c>widenet compare --task image</c>).
/// </summary>
public static class ShapeImages
{
    /// <summary>Width and height of every image.</summary>
    public const int Size = 32;

    /// <summary>The classes, in label order.</summary>
    public static readonly string[] Classes = ["disk", "ring", "triangle", "square", "pentagon", "hexagon", "star", "plus", "ell", "tee"];

    /// <summary>Polygon outlines in unit coordinates (radius about 1); disk and ring are tested by radius instead.</summary>
    static (double x, double y)[]? Outline(int shape) => shape switch
    {
        2 or 3 or 4 or 5 => Regular(shape + 1, 1.0, 1.0),
        6 => Regular(5, 1.0, 0.45),
        7 => [(-0.3, -1), (0.3, -1), (0.3, -0.3), (1, -0.3), (1, 0.3), (0.3, 0.3), (0.3, 1), (-0.3, 1), (-0.3, 0.3), (-1, 0.3), (-1, -0.3), (-0.3, -0.3)],
        8 => [(-0.7, -1), (-0.1, -1), (-0.1, 0.4), (0.7, 0.4), (0.7, 1), (-0.7, 1)],
        9 => [(-1, -1), (1, -1), (1, -0.45), (0.3, -0.45), (0.3, 1), (-0.3, 1), (-0.3, -0.45), (-1, -0.45)],
        _ => null,
    };

    /// <summary>A regular n-gon, or a star of n points when the inner radius differs (2n vertices).</summary>
    static (double, double)[] Regular(int n, double outer, double inner)
    {
        var star = inner != outer;
        var count = star ? 2 * n : n;
        return Enumerable.Range(0, count).Select(i =>
        {
            var r = star && i % 2 == 1 ? inner : outer;
            var a = 2 * Math.PI * i / count - Math.PI / 2;
            return (r * Math.Cos(a), r * Math.Sin(a));
        }).ToArray();
    }

    static bool Inside(int shape, (double x, double y)[]? outline, double x, double y)
    {
        var r2 = x * x + y * y;
        if (shape == 0) return r2 <= 1;
        if (shape == 1) return r2 <= 1 && r2 >= 0.55 * 0.55;
        var inside = false;                                            // even-odd rule
        for (int i = 0, j = outline!.Length - 1; i < outline.Length; j = i++)
        {
            var (xi, yi) = outline[i];
            var (xj, yj) = outline[j];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
        }
        return inside;
    }

    /// <summary>One image of <paramref name="shape"/>: Size×Size grey bytes, drawn from <paramref name="random"/>.</summary>
    public static byte[] Draw(int shape, Random random)
    {
        var outline = Outline(shape);
        var scale = Size * (0.22 + 0.2 * random.NextDouble());          // radius 7 to 13.4 pixels
        var angle = 2 * Math.PI * random.NextDouble();
        var (cx, cy) = (Size / 2.0 + (random.NextDouble() - 0.5) * (Size - 2 * scale), Size / 2.0 + (random.NextDouble() - 0.5) * (Size - 2 * scale));
        var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
        var background = 20 + 60 * random.NextDouble();
        var foreground = 140 + 115 * random.NextDouble();
        var pixels = new double[Size * Size];
        const int sub = 4;                                             // 4×4 samples per pixel: smooth edges
        for (var py = 0; py < Size; py++)
        for (var px = 0; px < Size; px++)
        {
            var hits = 0;
            for (var s = 0; s < sub * sub; s++)
            {
                var (x, y) = (px + (s % sub + 0.5) / sub - cx, py + (s / sub + 0.5) / sub - cy);
                var (u, v) = ((cos * x + sin * y) / scale, (-sin * x + cos * y) / scale);   // into the shape's frame
                if (Inside(shape, outline, u, v)) hits++;
            }
            pixels[py * Size + px] = background + (foreground - background) * hits / (sub * sub);
        }
        for (var line = random.Next(3); line > 0; line--)              // stray lines across the image
        {
            var (x0, y0, x1, y1) = (random.NextDouble() * Size, random.NextDouble() * Size, random.NextDouble() * Size, random.NextDouble() * Size);
            var grey = 60 + 160 * random.NextDouble();
            for (var t = 0.0; t <= 1; t += 0.5 / Size)
            {
                var (x, y) = ((int)(x0 + t * (x1 - x0)), (int)(y0 + t * (y1 - y0)));
                if (x is >= 0 and < Size && y is >= 0 and < Size) pixels[y * Size + x] = grey;
            }
        }
        var bytes = new byte[Size * Size];
        for (var i = 0; i < bytes.Length; i++)
        {
            var noise = 12 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            bytes[i] = (byte)Math.Clamp(Math.Round(pixels[i] + noise), 0, 255);
        }
        return bytes;
    }

    /// <summary>Writes <c>train</c> and <c>test</c> class folders under <paramref name="folder"/>; returns the file count.
    /// The same seed writes the same bytes.</summary>
    public static int Write(string folder, int trainPerClass, int testPerClass, int seed)
    {
        var count = 0;
        foreach (var (split, perClass, salt) in new[] { ("train", trainPerClass, 0), ("test", testPerClass, 1) })
            for (var c = 0; c < Classes.Length; c++)
            {
                var dir = Path.Combine(folder, split, Classes[c]);
                Directory.CreateDirectory(dir);
                var random = new Random(unchecked(seed * 7919 + c * 31 + salt * 1_000_003));
                for (var i = 0; i < perClass; i++, count++)
                    File.WriteAllBytes(Path.Combine(dir, $"{i:D5}.png"), PngEncoder.Encode(Draw(c, random), Size, Size, 1));
            }
        return count;
    }

    internal static Command Create()
    {
        var output = new Option<string>("--out") { Description = "folder for train/ and test/ (class subfolders of PNGs)", Required = true };
        var train = new Option<int>("--train-per-class") { Description = "training images per class", DefaultValueFactory = _ => 140 };
        var test = new Option<int>("--test-per-class") { Description = "test images per class", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "seed (the same seed writes the same files)", DefaultValueFactory = _ => 0 };
        var cmd = new Command("make-shapes", "write a small image set made here: 32×32 grey PNGs of 10 shapes at random size, rotation and place, in class folders")
            { output, train, test, seed };
        cmd.SetAction(r =>
        {
            var (n, m) = (r.GetValue(train), r.GetValue(test));
            if (n < 1 || m < 0) throw new UsageException("--train-per-class must be at least 1 and --test-per-class not negative");
            var files = Write(r.GetValue(output)!, n, m, r.GetValue(seed));
            Console.WriteLine($"wrote {files} images of {Classes.Length} shapes ({n} training and {m} test per class) under {r.GetValue(output)}");
            return 0;
        });
        return cmd;
    }
}
