using System.Globalization;
using System.Security;
using System.Text;

namespace Microsoft.ML.WideNet.Training;

/// <summary>Writes training pictures as standalone SVG files (hand-written XML, no dependencies): loss and accuracy
/// curves per epoch, and a confusion matrix heat map.</summary>
public static class SvgCharts
{
    static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    static string Esc(string s) => SecurityElement.Escape(s) ?? "";

    /// <summary>Two panels: training/validation loss and training/validation accuracy by epoch. Each panel's legend sits
    /// under its axis, never over the lines; at most about ten epoch ticks are labelled.</summary>
    public static void WriteTrainingCurves(string path, IReadOnlyList<EpochMetrics> history, string title = "Training")
    {
        ArgumentNullException.ThrowIfNull(history);
        const int W = 1000, H = 420, panelW = 400, panelH = 280, top = 60, left1 = 70, left2 = 560;
        var sb = Begin(W, H, title);
        var epochs = history.Select(h => (double)h.Epoch).ToArray();
        Panel(sb, left1, top, panelW, panelH, "loss", epochs,
              ("train", "#1f77b4", history.Select(h => (double?)h.TrainLoss).ToArray()),
              ("validation", "#ff7f0e", history.Select(h => h.ValidationLoss).ToArray()));
        Panel(sb, left2, top, panelW, panelH, "accuracy", epochs,
              ("train", "#1f77b4", history.Select(h => (double?)h.TrainAccuracy).ToArray()),
              ("validation", "#ff7f0e", history.Select(h => h.ValidationAccuracy).ToArray()));
        End(sb, path);
    }

    static void Panel(StringBuilder sb, int x0, int y0, int w, int h, string name, double[] xs, params (string label, string color, double?[] ys)[] series)
    {
        var all = series.SelectMany(s => s.ys).Where(v => v is { } d && double.IsFinite(d)).Select(v => v!.Value).ToArray();
        double ymin = all.Length == 0 ? 0 : all.Min(), ymax = all.Length == 0 ? 1 : all.Max();
        if (ymax - ymin < 1e-9) { ymin -= 0.5; ymax += 0.5; }
        var pad = (ymax - ymin) * 0.05; ymin -= pad; ymax += pad;
        double xmin = xs.Length == 0 ? 0 : xs.Min(), xmax = xs.Length == 0 ? 1 : xs.Max();
        if (xmax - xmin < 1e-9) { xmin -= 1; xmax += 1; }
        // A margin inside the frame so the first and last points (and their ticks) are not on its edge.
        var xpad = (xmax - xmin) * 0.04; xmin -= xpad; xmax += xpad;
        double X(double v) => x0 + (v - xmin) / (xmax - xmin) * w;
        double Y(double v) => y0 + h - (v - ymin) / (ymax - ymin) * h;
        sb.Append($"<g class=\"panel\"><rect class=\"plot-area\" x=\"{x0}\" y=\"{y0}\" width=\"{w}\" height=\"{h}\" fill=\"white\" stroke=\"#444\"/>\n");
        sb.Append($"<text x=\"{x0 + w / 2}\" y=\"{y0 - 10}\" text-anchor=\"middle\" font-size=\"14\">{Esc(name)}</text>\n");
        for (var i = 0; i <= 4; i++)
        {
            var v = ymin + (ymax - ymin) * i / 4;
            sb.Append($"<line x1=\"{x0}\" y1=\"{F(Y(v))}\" x2=\"{x0 + w}\" y2=\"{F(Y(v))}\" stroke=\"#ddd\"/>");
            sb.Append($"<text x=\"{x0 - 5}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\" font-size=\"10\">{v.ToString("0.###", CultureInfo.InvariantCulture)}</text>\n");
        }
        var ticks = xs.Distinct().OrderBy(e => e).ToArray();
        var every = Math.Max(1, (int)Math.Ceiling(ticks.Length / 10.0));
        for (var i = 0; i < ticks.Length; i++)
            if (i % every == 0 || i == ticks.Length - 1 && (ticks.Length - 1) % every >= every / 2)
                sb.Append($"<text x=\"{F(X(ticks[i]))}\" y=\"{y0 + h + 14}\" text-anchor=\"middle\" font-size=\"10\">{F(ticks[i])}</text>");
        sb.Append($"<text x=\"{x0 + w / 2}\" y=\"{y0 + h + 30}\" text-anchor=\"middle\" font-size=\"11\">epoch</text>\n");
        var legendX = x0;
        foreach (var (label, color, ys) in series)
        {
            var pts = new List<string>();
            for (var i = 0; i < Math.Min(xs.Length, ys.Length); i++)
                if (ys[i] is { } v && double.IsFinite(v)) pts.Add($"{F(X(xs[i]))},{F(Y(v))}");
            if (pts.Count == 0) continue;
            sb.Append($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{string.Join(' ', pts)}\"/>\n");
            foreach (var p in pts)
            {
                var xy = p.Split(',');
                sb.Append($"<circle cx=\"{xy[0]}\" cy=\"{xy[1]}\" r=\"2.5\" fill=\"{color}\"/>");
            }
            sb.Append($"\n<g class=\"legend\"><rect x=\"{legendX}\" y=\"{y0 + h + 42}\" width=\"10\" height=\"10\" fill=\"{color}\"/>" +
                      $"<text x=\"{legendX + 14}\" y=\"{y0 + h + 51}\" font-size=\"11\" fill=\"{color}\">{Esc(label)}</text></g>\n");
            legendX += 24 + 7 * label.Length;
        }
        sb.Append("</g>\n");
    }

    /// <summary>Points (x, y) in groups of one colour each, plus an optional step line (e.g. the best so far), with axis
    /// labels: the tuner's validation metric of every trial against time, coloured by rung.</summary>
    public static void WriteScatter(string path, string title, string xLabel, string yLabel,
                                    IReadOnlyList<(string label, string color, IReadOnlyList<(double x, double y)> points)> groups,
                                    (string label, string color, IReadOnlyList<(double x, double y)> points)? stepLine = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        const int H = 420, x0 = 70, y0 = 50, w = 560, h = 300;
        var longest = groups.Select(g => g.label).Append(stepLine?.label ?? "").Max(l => l.Length);
        var W = Math.Max(760, x0 + w + 40 + 7 * longest);                 // room for the legend right of the plot
        var sb = Begin(W, H, title);
        var all = groups.SelectMany(g => g.points).Concat(stepLine?.points ?? []).Where(p => double.IsFinite(p.x) && double.IsFinite(p.y)).ToArray();
        double xmin = 0, xmax = all.Length == 0 ? 1 : Math.Max(1e-9, all.Max(p => p.x));
        double ymin = all.Length == 0 ? 0 : all.Min(p => p.y), ymax = all.Length == 0 ? 1 : all.Max(p => p.y);
        if (ymax - ymin < 1e-9) { ymin -= 0.05; ymax += 0.05; }
        var pad = (ymax - ymin) * 0.05; ymin -= pad; ymax += pad;
        double X(double v) => x0 + (v - xmin) / (xmax - xmin) * w;
        double Y(double v) => y0 + h - (v - ymin) / (ymax - ymin) * h;
        sb.Append($"<rect class=\"plot-area\" x=\"{x0}\" y=\"{y0}\" width=\"{w}\" height=\"{h}\" fill=\"white\" stroke=\"#444\"/>\n");
        for (var i = 0; i <= 4; i++)
        {
            var vy = ymin + (ymax - ymin) * i / 4;
            var vx = xmin + (xmax - xmin) * i / 4;
            sb.Append($"<line x1=\"{x0}\" y1=\"{F(Y(vy))}\" x2=\"{x0 + w}\" y2=\"{F(Y(vy))}\" stroke=\"#ddd\"/>");
            sb.Append($"<text x=\"{x0 - 5}\" y=\"{F(Y(vy) + 4)}\" text-anchor=\"end\" font-size=\"10\">{vy.ToString("0.###", CultureInfo.InvariantCulture)}</text>");
            sb.Append($"<text x=\"{F(X(vx))}\" y=\"{y0 + h + 14}\" text-anchor=\"middle\" font-size=\"10\">{vx.ToString("0.#", CultureInfo.InvariantCulture)}</text>\n");
        }
        sb.Append($"<text x=\"{x0 + w / 2}\" y=\"{y0 + h + 32}\" text-anchor=\"middle\" font-size=\"11\">{Esc(xLabel)}</text>\n");
        sb.Append($"<text x=\"18\" y=\"{y0 + h / 2}\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 18 {y0 + h / 2})\">{Esc(yLabel)}</text>\n");
        var legendY = y0 + 10;
        void Legend(string label, string color)
        {
            sb.Append($"<g class=\"legend\"><rect x=\"{x0 + w + 12}\" y=\"{legendY - 9}\" width=\"10\" height=\"10\" fill=\"{color}\"/>");
            sb.Append($"<text x=\"{x0 + w + 28}\" y=\"{legendY}\" font-size=\"11\">{Esc(label)}</text></g>\n");
            legendY += 16;
        }
        if (stepLine is { } line && line.points.Count > 0)
        {
            var pts = new List<string>();
            var ordered = line.points.Where(p => double.IsFinite(p.x) && double.IsFinite(p.y)).OrderBy(p => p.x).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                if (i > 0) pts.Add($"{F(X(ordered[i].x))},{F(Y(ordered[i - 1].y))}");
                pts.Add($"{F(X(ordered[i].x))},{F(Y(ordered[i].y))}");
            }
            if (pts.Count > 0) sb.Append($"<polyline fill=\"none\" stroke=\"{line.color}\" stroke-width=\"1.5\" points=\"{string.Join(' ', pts)}\"/>\n");
            Legend(line.label, line.color);
        }
        foreach (var (label, color, points) in groups)
        {
            foreach (var (x, y) in points.Where(p => double.IsFinite(p.x) && double.IsFinite(p.y)))
                sb.Append($"<circle cx=\"{F(X(x))}\" cy=\"{F(Y(y))}\" r=\"4\" fill=\"{color}\" fill-opacity=\"0.8\"><title>{Esc(label)}: {F(x)}, {y.ToString("0.####", CultureInfo.InvariantCulture)}</title></circle>");
            sb.Append('\n');
            Legend(label, color);
        }
        End(sb, path);
    }

    /// <summary>Horizontal bars, one per item, for values in [0, 1] (e.g. accuracy), each with its label on the left and
    /// <paramref name="items"/>' note right of the bar.</summary>
    public static void WriteBars(string path, string title, IReadOnlyList<(string label, double value, string note)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        const int barH = 26, gap = 10, w = 480, y0 = 60;
        var labelW = 20 + 7 * Math.Max(6, items.Count == 0 ? 0 : items.Max(i => i.label.Length));
        var noteW = 20 + 7 * Math.Max(6, items.Count == 0 ? 0 : items.Max(i => i.note.Length));
        var x0 = labelW;
        var h = items.Count * (barH + gap);
        var W = Math.Max(x0 + w + noteW, 7 * title.Length + 40);
        var sb = Begin(W, y0 + h + 40, title);
        sb.Append($"<rect class=\"plot-area\" x=\"{x0}\" y=\"{y0 - gap / 2}\" width=\"{w}\" height=\"{h}\" fill=\"white\" stroke=\"#444\"/>\n");
        for (var t = 0; t <= 4; t++)
        {
            var x = x0 + w * t / 4;
            sb.Append($"<line x1=\"{x}\" y1=\"{y0 - gap / 2}\" x2=\"{x}\" y2=\"{y0 - gap / 2 + h}\" stroke=\"#ddd\"/>");
            sb.Append($"<text x=\"{x}\" y=\"{y0 + h + 10}\" text-anchor=\"middle\" font-size=\"10\">{F(t / 4.0)}</text>\n");
        }
        for (var i = 0; i < items.Count; i++)
        {
            var (label, value, note) = items[i];
            var y = y0 + i * (barH + gap);
            var bw = double.IsFinite(value) ? Math.Clamp(value, 0, 1) * w : 0;
            sb.Append($"<text x=\"{x0 - 6}\" y=\"{y + barH / 2 + 4}\" text-anchor=\"end\" font-size=\"12\">{Esc(label)}</text>");
            sb.Append($"<rect x=\"{x0}\" y=\"{y}\" width=\"{F(bw)}\" height=\"{barH}\" fill=\"#1f77b4\"><title>{Esc(label)}: {Esc(note)}</title></rect>");
            sb.Append($"<text x=\"{x0 + w + 6}\" y=\"{y + barH / 2 + 4}\" font-size=\"11\">{Esc(note)}</text>\n");
        }
        End(sb, path);
    }

    /// <summary>A heat map of confusion counts [true, predicted] with the count in every cell and rows labelled with
    /// <paramref name="classNames"/> (defaults to the class indices).</summary>
    public static void WriteConfusionMatrix(string path, long[,] confusion, IReadOnlyList<string>? classNames = null, string title = "Confusion matrix")
    {
        ArgumentNullException.ThrowIfNull(confusion);
        var k = confusion.GetLength(0);
        if (confusion.GetLength(1) != k) throw new ArgumentException("the confusion matrix must be square", nameof(confusion));
        var names = Enumerable.Range(0, k).Select(i => classNames is not null && i < classNames.Count ? classNames[i] : i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var cell = Math.Clamp(480 / Math.Max(1, k), 12, 48);
        var labelW = 10 + 7 * Math.Min(24, names.Max(n => n.Length));
        int x0 = labelW + 20, y0 = 70;
        // Column labels are rotated 60°: the last one reaches about half its length right of its column.
        int width = x0 + cell * k + Math.Max(40, labelW / 2 + 16), height = y0 + cell * k + labelW + 40;
        var sb = Begin(width, height, title);
        long max = 1;
        foreach (var v in confusion) max = Math.Max(max, v);
        sb.Append($"<text x=\"{x0 + cell * k / 2}\" y=\"{y0 - 30}\" text-anchor=\"middle\" font-size=\"12\">predicted</text>\n");
        sb.Append($"<text x=\"12\" y=\"{y0 + cell * k / 2}\" font-size=\"12\" transform=\"rotate(-90 12 {y0 + cell * k / 2})\" text-anchor=\"middle\">true</text>\n");
        for (var i = 0; i < k; i++)
        {
            var short_ = names[i].Length > 24 ? names[i][..24] : names[i];
            sb.Append($"<text x=\"{x0 - 4}\" y=\"{y0 + i * cell + cell / 2 + 4}\" text-anchor=\"end\" font-size=\"10\">{Esc(short_)}</text>\n");
            var cx = x0 + i * cell + cell / 2;
            var cy = y0 + k * cell + 6;
            sb.Append($"<text x=\"{cx}\" y=\"{cy}\" font-size=\"10\" transform=\"rotate(60 {cx} {cy})\">{Esc(short_)}</text>\n");
            for (var j = 0; j < k; j++)
            {
                var v = confusion[i, j];
                var t = (double)v / max;
                var shade = (int)Math.Round(255 - t * 200);
                var fill = $"rgb({shade},{shade},255)";
                sb.Append($"<rect x=\"{x0 + j * cell}\" y=\"{y0 + i * cell}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\" stroke=\"#fff\"><title>{Esc(names[i])} → {Esc(names[j])}: {v}</title></rect>");
                if (cell >= 18)
                    sb.Append($"<text x=\"{x0 + j * cell + cell / 2}\" y=\"{y0 + i * cell + cell / 2 + 4}\" text-anchor=\"middle\" font-size=\"{Math.Min(12, cell / 3)}\" fill=\"{(t > 0.6 ? "white" : "black")}\">{v}</text>");
                sb.Append('\n');
            }
        }
        End(sb, path);
    }

    static StringBuilder Begin(int w, int h, string title)
    {
        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\">\n");
        sb.Append($"<title>{Esc(title)}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.Append($"<text x=\"{w / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{Esc(title)}</text>\n");
        return sb;
    }

    static void End(StringBuilder sb, string path)
    {
        sb.Append("</svg>\n");
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            File.WriteAllText(tmp, sb.ToString(), new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        finally { if (File.Exists(tmp)) File.Delete(tmp); }
    }
}
