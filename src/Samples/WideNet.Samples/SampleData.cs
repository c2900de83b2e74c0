using Microsoft.ML.WideNet.Vision;
using Microsoft.ML.WideNet.Text;

namespace WideNet.Samples;

/// <summary>Prepares the samples' data from Debian packages: Fashion-MNIST as PNG files in class folders, fortunes as a TSV.</summary>
internal static class SampleData
{
    /// <summary>Writes <paramref name="perClass"/> Fashion-MNIST images of each class as PNG into folder/class/name.png (once).</summary>
    public static string FashionMnistFolder(string folder, int perClass, bool train = true)
    {
        if (Directory.Exists(folder)) return folder;
        var (images, labels) = IdxReader.LoadFashionMnist(train);
        var counts = new int[10];
        for (var i = 0; i < labels.Length; i++)
        {
            var c = labels[i];
            if (counts[c] >= perClass) continue;
            var dir = Directory.CreateDirectory(Path.Combine(folder, IdxReader.FashionMnistClasses[c].Replace('/', '-'))).FullName;
            File.WriteAllBytes(Path.Combine(dir, $"{i:D5}.png"), PngEncoder.Encode(images.Data.AsSpan(i * 784, 784), 28, 28, 1));
            counts[c]++;
        }
        return folder;
    }

    /// <summary>Writes the texts of a few fortunes categories as a TSV with a header Text, Label (once).</summary>
    public static string FortunesTsv(string path, params string[] categories)
    {
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var lines = FortunesLoader.Load().Where(t => categories.Contains(t.Category))
                                  .Select(t => $"{t.Text.Replace('\t', ' ').Replace('\n', ' ')}\t{t.Category}");
        File.WriteAllLines(path, new[] { "Text\tLabel" }.Concat(lines));
        return path;
    }
}

