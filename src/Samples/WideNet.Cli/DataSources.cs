using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet.Vision;

namespace WideNet.Cli;

/// <summary>A bad command line or bad input: exit code 2, message without a stack trace.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>One example as the CLI reads it: an image path, pixels or text, and a label (may be empty).</summary>
internal sealed class CliRow
{
    public string ImagePath = "";
    [VectorType] public float[] Pixels = [];
    public string Text = "";
    public string Label = "";
}

/// <summary>Data read from disk: rows plus what the image input looks like.</summary>
internal sealed record CliData(List<CliRow> Rows, bool Pixels, int Width, int Height)
{
    public IDataView ToDataView(MLContext ml) => Pixels
        ? ml.Data.LoadFromEnumerable(Rows.Select(r => new PixelRow { Pixels = r.Pixels, Label = r.Label }).ToList(), PixelSchema(ml, Width * Height))
        : ml.Data.LoadFromEnumerable(Rows.Select(r => new PathRow { ImagePath = r.ImagePath, Text = r.Text, Label = r.Label }).ToList());

    static DataViewSchema PixelSchema(MLContext ml, int size)
    {
        var b = new DataViewSchema.Builder();
        b.AddColumn("Pixels", new VectorDataViewType(NumberDataViewType.Single, size));
        b.AddColumn("Label", TextDataViewType.Instance);
        return b.ToSchema();
    }
}

internal sealed class PixelRow
{
    public float[] Pixels = [];
    public string Label = "";
}

internal sealed class PathRow
{
    public string ImagePath = "";
    public string Text = "";
    public string Label = "";
}

/// <summary>The data formats `widenet` reads: a folder with one subfolder per class (images), a TSV/CSV with a header
/// (image path + label, or text + label), IDX files (MNIST / Fashion-MNIST, gzip or not).</summary>
internal static class DataSources
{
    static readonly string[] ImageExtensions = { ".png", ".jpg", ".jpeg", ".bmp", ".gif" };

    public static CliData Load(string path, string task, string labelColumn, string? textColumn, string? imageColumn, bool labelsRequired = true)
    {
        if (Directory.Exists(path))
        {
            if (task != "image") throw new UsageException($"{path} is a folder: folders of class subfolders hold images; use --task image, or a TSV/CSV for text");
            return Folder(path);
        }
        if (!File.Exists(path)) throw new UsageException($"{path}: no such file or folder");
        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name.Contains("idx") || name.EndsWith("-ubyte") || name.EndsWith("-ubyte.gz")) return Idx(path, labelsRequired);
        return Table(path, task, labelColumn, textColumn ?? "Text", imageColumn ?? "ImagePath", labelsRequired);
    }

    static CliData Folder(string root)
    {
        var rows = new List<CliRow>();
        foreach (var dir in Directory.GetDirectories(root).OrderBy(d => d, StringComparer.Ordinal))
            foreach (var file in Directory.GetFiles(dir).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).OrderBy(f => f, StringComparer.Ordinal))
                rows.Add(new CliRow { ImagePath = file, Label = Path.GetFileName(dir) });
        if (rows.Count == 0) throw new UsageException($"{root}: no images (.png .jpg .jpeg .bmp .gif) in class subfolders");
        return new CliData(rows, false, 0, 0);
    }

    static CliData Idx(string imagesPath, bool labelsRequired)
    {
        var images = IdxReader.Read(imagesPath);
        if (images.Shape.Length != 3) throw new UsageException($"{imagesPath}: expected IDX images [N, H, W], got [{string.Join(", ", images.Shape)}]");
        int n = images.Shape[0], h = images.Shape[1], w = images.Shape[2];
        var labelsPath = Path.Combine(Path.GetDirectoryName(imagesPath) ?? ".", Path.GetFileName(imagesPath).Replace("images", "labels").Replace("idx3", "idx1"));
        byte[]? labels = null;
        if (File.Exists(labelsPath) && labelsPath != imagesPath) labels = IdxReader.Read(labelsPath).Data;
        else if (labelsRequired) throw new UsageException($"{imagesPath}: the labels file {labelsPath} is missing");
        if (labels is not null && labels.Length != n) throw new UsageException($"{labelsPath}: {labels.Length} labels for {n} images");
        var names = Path.GetFullPath(imagesPath).Contains("fashion", StringComparison.OrdinalIgnoreCase) ? IdxReader.FashionMnistClasses : null;
        var rows = new List<CliRow>(n);
        for (var i = 0; i < n; i++)
        {
            var px = new float[h * w];
            for (var j = 0; j < px.Length; j++) px[j] = images.Data[i * h * w + j];
            var label = labels is null ? "" : names is not null && labels[i] < names.Length ? names[labels[i]] : labels[i].ToString(CultureInfo.InvariantCulture);
            rows.Add(new CliRow { Pixels = px, Label = label });
        }
        return new CliData(rows, true, w, h);
    }

    static CliData Table(string path, string task, string labelColumn, string textColumn, string imageColumn, bool labelsRequired)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? "," : "\t",
            BadDataFound = null,
            MissingFieldFound = null,
            Mode = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? CsvMode.RFC4180 : CsvMode.NoEscape,
        };
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, config);
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is null) throw new UsageException($"{path}: empty file (a header line is expected)");
        var header = csv.HeaderRecord;
        int Col(string name, bool required)
        {
            var i = Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
            if (i < 0 && required) throw new UsageException($"{path}: no column '{name}' (the header has {string.Join(", ", header.Select(h => $"'{h}'"))})");
            return i;
        }
        var input = Col(task == "image" ? imageColumn : textColumn, true);
        var label = Col(labelColumn, labelsRequired);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var rows = new List<CliRow>();
        while (csv.Read())
        {
            var value = csv.GetField(input) ?? "";
            var row = new CliRow { Label = label >= 0 ? csv.GetField(label) ?? "" : "" };
            if (task == "image") row.ImagePath = Path.IsPathRooted(value) ? value : Path.Combine(folder, value);
            else row.Text = value;
            rows.Add(row);
        }
        if (rows.Count == 0) throw new UsageException($"{path}: no rows after the header");
        return new CliData(rows, false, 0, 0);
    }
}
