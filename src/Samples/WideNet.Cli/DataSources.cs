using System.Globalization;
using System.Text.RegularExpressions;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Vision;

namespace WideNet.Cli;

/// <summary>A bad command line or bad input: exit code 2, message without a stack trace.</summary>
internal sealed class UsageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One example as the CLI reads it: an image path, pixels or text, and a label (may be empty).</summary>
internal sealed class CliRow
{
    public string ImagePath = "";
    [VectorType] public float[] Pixels = [];
    public string Text = "";
    public string Label = "";
}

/// <summary>Data read from disk: rows plus what the image input looks like. <paramref name="IdxLabels"/>: the labels
/// are IDX digits, not yet named (<see cref="NameIdxLabels"/>).</summary>
internal sealed record CliData(List<CliRow> Rows, bool Pixels, int Width, int Height, bool IdxLabels = false)
{
    /// <summary>The rows for training: Pixels (float) or ImagePath, Text and Label.</summary>
    public IDataView ToDataView(MLContext ml) => Pixels
        ? PixelView(ml, "Pixels")
        : ml.Data.LoadFromEnumerable(Rows.Select(r => new PathRow { ImagePath = r.ImagePath, Text = r.Text, Label = r.Label }).ToList());

    IDataView PixelView(MLContext ml, string column) =>
        ml.Data.LoadFromEnumerable(Rows.Select(r => new PixelRow { Pixels = r.Pixels, Label = r.Label }).ToList(),
                                   Rename<PixelRow>("Pixels", column, new VectorDataViewType(NumberDataViewType.Single, Width * Height)));

    /// <summary>The image column <paramref name="c"/> scores, in the form closest to the data: float pixels when they have
    /// the trained geometry, else encoded bytes (files as they are; IDX pixels encoded as PNG).</summary>
    public IDataView ImageView(MLContext ml, WideNetImageClassificationTransformer c)
    {
        if (Pixels && c.TrainedOnPixels && c.PixelWidth == Width && c.PixelHeight == Height && c.Channels == 1) return PixelView(ml, c.ImageColumnName);
        if (Pixels)
            return ml.Data.LoadFromEnumerable(Rows.Select(r => new BytesRow { Bytes = Png(r.Pixels) }),
                                              Rename<BytesRow>("Bytes", c.ImageColumnName, new VectorDataViewType(NumberDataViewType.Byte)));
        var paths = ml.Data.LoadFromEnumerable(Rows.Select(r => new PathRow { ImagePath = r.ImagePath }).ToList());
        return ml.Transforms.LoadRawImageBytes(c.ImageColumnName, null, "ImagePath").Fit(paths).Transform(paths);
    }

    /// <summary>The texts under the column <paramref name="c"/> reads.</summary>
    public IDataView TextView(MLContext ml, WideNetTextClassificationTransformer c) => c.Sentence2ColumnName is { } second
        ? throw new UsageException($"the model reads sentence pairs (columns '{c.Sentence1ColumnName}' and '{second}'); the command line gives it single texts")
        : ml.Data.LoadFromEnumerable(Rows.Select(r => new TextRow { Text = r.Text }), Rename<TextRow>("Text", c.Sentence1ColumnName, TextDataViewType.Instance));

    byte[] Png(float[] grey) => PngEncoder.Encode(Array.ConvertAll(grey, v => (byte)Math.Clamp(v, 0, 255)), Width, Height, 1);

    static SchemaDefinition Rename<T>(string member, string column, DataViewType type)
    {
        var def = SchemaDefinition.Create(typeof(T));
        var col = def[member];
        (col.ColumnName, col.ColumnType) = (column, type);
        return def;
    }

    /// <summary>Names IDX label digits by <paramref name="classes"/> (a model's): digit d is the class "d" when the
    /// classes are digits, the Fashion-MNIST class of d when they are exactly the Fashion-MNIST classes.</summary>
    public CliData NameIdxLabels(IReadOnlyList<string> classes, string path)
    {
        if (!IdxLabels) return this;
        var fashion = IdxReader.FashionMnistClasses;
        Func<int, string> name;
        if (classes.All(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out _))) name = d => d.ToString(CultureInfo.InvariantCulture);
        else if (classes.Count == fashion.Length && classes.ToHashSet().SetEquals(fashion)) name = d => d < fashion.Length ? fashion[d] : d.ToString(CultureInfo.InvariantCulture);
        else throw new UsageException($"{path}: IDX labels are digits, but the model's classes ({string.Join(", ", classes.Take(10))}{(classes.Count > 10 ? ", ..." : "")}) " +
                                      "are neither digits nor the Fashion-MNIST classes");
        var rows = Rows.Select(r => new CliRow { Pixels = r.Pixels, Label = name(int.Parse(r.Label, CultureInfo.InvariantCulture)) }).ToList();
        return this with { Rows = rows, IdxLabels = false };
    }

    /// <summary>Runs <paramref name="run"/>, adding the file to errors about a bad image: the library names the 1-based
    /// row, the rows here know which file it came from.</summary>
    public T NamingFiles<T>(Func<T> run)
    {
        try { return run(); }
        catch (InvalidDataException e) when (FileOfRow(e.Message) is { } file) { throw new UsageException($"{file}: {e.Message}", e); }
    }

    string? FileOfRow(string message)
    {
        var m = Regex.Match(message, @"\brow (\d+)\b");
        return m.Success && int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= Rows.Count && Rows[n - 1].ImagePath.Length > 0
            ? Rows[n - 1].ImagePath : null;
    }
}

internal sealed class PixelRow
{
    public float[] Pixels = [];
    public string Label = "";
}

internal sealed class BytesRow
{
    public byte[] Bytes = [];
}

/// <summary>Class keys in a reader's order rather than ML.NET's default order of first appearance: integer labels
/// (IDX digits, numbered classes) by value, other names alphabetically (ordinal); or the given order.</summary>
internal static class LabelKeys
{
    sealed class KeyRow { public string Label = ""; }

    public static IEstimator<ITransformer> For(MLContext ml, IEnumerable<string> labels)
    {
        var distinct = labels.Where(l => l.Length > 0).Distinct().ToArray();
        var ordered = distinct.All(l => long.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            ? distinct.OrderBy(l => long.Parse(l, CultureInfo.InvariantCulture))
            : distinct.OrderBy(l => l, StringComparer.Ordinal);
        return InOrder(ml, ordered);
    }

    public static IEstimator<ITransformer> InOrder(MLContext ml, IEnumerable<string> classes) =>
        ml.Transforms.Conversion.MapValueToKey("Label", keyData: ml.Data.LoadFromEnumerable(classes.Select(c => new KeyRow { Label = c }).ToList()));
}

internal sealed class TextRow
{
    public string Text = "";
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

    /// <summary>An image file, by its extension.</summary>
    public static bool IsImage(string path) => ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>Every image in <paramref name="root"/> and its subfolders, unlabelled (for predictions).</summary>
    public static CliData ImageFiles(string root)
    {
        var rows = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(IsImage).Order(StringComparer.Ordinal)
                            .Select(f => new CliRow { ImagePath = f }).ToList();
        if (rows.Count == 0) throw new UsageException($"{root}: no images (.png .jpg .jpeg .bmp .gif) in the folder or its subfolders");
        return new CliData(rows, false, 0, 0);
    }

    /// <summary>Labelled (or, with <paramref name="labelsRequired"/> false, maybe unlabelled) data. IDX labels come back
    /// as digits: name them with <see cref="CliData.NameIdxLabels"/>.</summary>
    public static CliData Load(string path, string task, string labelColumn, string? textColumn, string? imageColumn, bool labelsRequired = true)
    {
        if (path is "fortunes:train" or "fortunes:test")
        {
            // The text demo's data: Debian fortunes categories with at least 200 texts, stratified 80/20 (seed 0).
            if (task != "text") throw new UsageException($"{path} holds texts: use --task text");
            var (train, test) = Microsoft.ML.WideNet.Text.StratifiedSplit.Split(Microsoft.ML.WideNet.Text.FortunesLoader.Load(minTextsPerCategory: 200), t => t.Category, 0.2, seed: 0);
            return new CliData((path.EndsWith("train") ? train : test).Select(t => new CliRow { Text = t.Text, Label = t.Category }).ToList(), false, 0, 0);
        }
        if (Directory.Exists(path))
        {
            if (task != "image") throw new UsageException($"{path} is a folder: folders of class subfolders hold images; use --task image, or a TSV/CSV for text");
            return Folder(path);
        }
        if (!File.Exists(path)) throw new UsageException($"{path}: no such file or folder");
        if (IsImage(path)) throw new UsageException($"{path} is a single image: labelled data is a folder of class subfolders, a TSV/CSV or IDX files");
        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name.Contains("idx") || name.EndsWith("-ubyte") || name.EndsWith("-ubyte.gz")) return Idx(path, labelsRequired);
        return Table(path, task, labelColumn, textColumn ?? "Text", imageColumn ?? "ImagePath", labelsRequired);
    }

    static CliData Folder(string root)
    {
        var rows = new List<CliRow>();
        foreach (var dir in Directory.GetDirectories(root).OrderBy(d => d, StringComparer.Ordinal))
            foreach (var file in Directory.GetFiles(dir).Where(IsImage).OrderBy(f => f, StringComparer.Ordinal))
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
        var rows = new List<CliRow>(n);
        for (var i = 0; i < n; i++)
        {
            var px = new float[h * w];
            for (var j = 0; j < px.Length; j++) px[j] = images.Data[i * h * w + j];
            rows.Add(new CliRow { Pixels = px, Label = labels is null ? "" : labels[i].ToString(CultureInfo.InvariantCulture) });
        }
        return new CliData(rows, true, w, h, IdxLabels: labels is not null);
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
            // Checked here: ML.NET's image loader reports a missing file wrapped in an error about its worker threads.
            if (task == "image" && !File.Exists(row.ImagePath)) throw new UsageException($"{path}, row {rows.Count + 1}: no image file {row.ImagePath}");
            rows.Add(row);
        }
        if (rows.Count == 0) throw new UsageException($"{path}: no rows after the header");
        return new CliData(rows, false, 0, 0);
    }
}
