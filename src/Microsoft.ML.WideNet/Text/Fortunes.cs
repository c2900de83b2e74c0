using System.Text;

namespace Microsoft.ML.WideNet.Text;

/// <summary>A text with its class.</summary>
/// <param name="Text">The text.</param>
/// <param name="Category">Its class name.</param>
public sealed record LabeledText(string Text, string Category);

/// <summary>Loads Debian's <c>fortunes</c> package: one plain-text file per category under
/// <see cref="DefaultFolder"/>, texts separated by lines holding only <c>%</c>. The index files (<c>.dat</c>), the
/// UTF-8 copies (<c>.u8</c>) and anything else with an extension are ignored.</summary>
public static class FortunesLoader
{
    /// <summary>Where the fortunes package installs its files.</summary>
    public const string DefaultFolder = "/usr/share/games/fortunes";

    /// <summary>Every non-empty text of every category, in category then file order. Overstrike sequences
    /// (<c>x\b_</c>, used for underlining) are reduced to the final character; surrounding blank lines are trimmed.
    /// Categories with fewer than <paramref name="minTextsPerCategory"/> texts are left out.</summary>
    public static List<LabeledText> Load(string folder = DefaultFolder, int minTextsPerCategory = 0)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder} does not exist: install the Debian package 'fortunes' (apt-get install fortunes)");
        var result = new List<LabeledText>();
        foreach (var file in CategoryFiles(folder))
        {
            var category = Path.GetFileName(file);
            var texts = ReadFile(file);
            if (texts.Count < minTextsPerCategory) continue;
            result.AddRange(texts.Select(t => new LabeledText(t, category)));
        }
        if (result.Count == 0) throw new InvalidDataException($"{folder}: no fortune files found");
        return result;
    }

    /// <summary>The category files of <paramref name="folder"/>: regular files whose names have no extension,
    /// ordinal order.</summary>
    public static string[] CategoryFiles(string folder = DefaultFolder) =>
        Directory.GetFiles(folder)
            .Where(f => !Path.GetFileName(f).Contains('.') && (File.GetAttributes(f) & FileAttributes.Directory) == 0)
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToArray();

    /// <summary>The texts of one fortune file.</summary>
    public static List<string> ReadFile(string path)
    {
        var texts = new List<string>();
        var current = new StringBuilder();
        void Flush()
        {
            var t = CleanOverstrike(current.ToString()).Trim('\n', '\r', ' ', '\t');
            if (t.Length > 0) texts.Add(t);
            current.Clear();
        }
        foreach (var raw in File.ReadLines(path, Encoding.UTF8))
        {
            var line = raw.TrimEnd('\r');
            if (line == "%") { Flush(); continue; }
            current.Append(line).Append('\n');
        }
        Flush();
        return texts;
    }

    static string CleanOverstrike(string s)
    {
        if (!s.Contains('\b')) return s;
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (c == '\b') { if (sb.Length > 0) sb.Length--; }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}

/// <summary>Splits labelled data keeping each class's proportion in both parts.</summary>
public static class StratifiedSplit
{
    /// <summary>Per class: shuffles the items (seeded) and puts round(n·<paramref name="testFraction"/>) of them in the
    /// test part (at least one when the class has two or more). Both parts keep the original relative order.</summary>
    public static (List<T> train, List<T> test) Split<T>(IReadOnlyList<T> items, Func<T, string> classOf, double testFraction = 0.2, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(classOf);
        if (!(testFraction >= 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "testFraction must be in [0, 1)");
        var isTest = new bool[items.Count];
        var random = new Random(seed);
        foreach (var group in Enumerable.Range(0, items.Count).GroupBy(i => classOf(items[i]), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var idx = group.ToArray();
            random.Shuffle(idx);
            var k = (int)Math.Round(idx.Length * testFraction, MidpointRounding.AwayFromZero);
            if (k == 0 && testFraction > 0 && idx.Length >= 2) k = 1;
            for (var j = 0; j < k; j++) isTest[idx[j]] = true;
        }
        var train = new List<T>();
        var test = new List<T>();
        for (var i = 0; i < items.Count; i++) (isTest[i] ? test : train).Add(items[i]);
        return (train, test);
    }

    /// <summary>The 80/20 stratified split of labelled texts.</summary>
    public static (List<LabeledText> train, List<LabeledText> test) Split(IReadOnlyList<LabeledText> items, double testFraction = 0.2, int seed = 0) =>
        Split(items, t => t.Category, testFraction, seed);
}
