using System.Globalization;
using System.Text;

namespace Microsoft.ML.Data;

/// <summary>Counts of rows per true class (rows) and predicted class (columns), with per-class precision and recall.</summary>
public sealed class ConfusionMatrix
{
    private readonly string[] _classNames;

    internal ConfusionMatrix(double[][] counts, string[] classNames)
    {
        NumberOfClasses = counts.Length;
        Counts = counts.Select(row => (IReadOnlyList<double>)row.ToArray()).ToArray();
        _classNames = classNames;
        PerClassRecall = Enumerable.Range(0, NumberOfClasses).Select(i =>
        {
            double total = counts[i].Sum();
            return total > 0 ? counts[i][i] / total : 0;
        }).ToArray();
        PerClassPrecision = Enumerable.Range(0, NumberOfClasses).Select(j =>
        {
            double total = counts.Sum(row => row[j]);
            return total > 0 ? counts[j][j] / total : 0;
        }).ToArray();
    }

    /// <summary>The number of classes.</summary>
    public int NumberOfClasses { get; }

    /// <summary>Whether there are exactly two classes.</summary>
    public bool IsBinary => NumberOfClasses == 2;

    /// <summary>For each predicted class, the fraction of its predictions that are right.</summary>
    public IReadOnlyList<double> PerClassPrecision { get; }

    /// <summary>For each true class, the fraction of its rows predicted right.</summary>
    public IReadOnlyList<double> PerClassRecall { get; }

    /// <summary><c>Counts[actual][predicted]</c>: the number of rows of class <c>actual</c> predicted as <c>predicted</c>.</summary>
    public IReadOnlyList<IReadOnlyList<double>> Counts { get; }

    /// <summary>The number of rows of class <paramref name="actualClassIndex"/> predicted as <paramref name="predictedClassIndex"/>.</summary>
    /// <param name="predictedClassIndex">The predicted class, from 0.</param>
    /// <param name="actualClassIndex">The true class, from 0.</param>
    /// <returns>The count.</returns>
    public double GetCountForClassPair(int predictedClassIndex, int actualClassIndex) => Counts[actualClassIndex][predictedClassIndex];

    /// <summary>
    /// The table as ML.NET prints it: a header of predicted classes, one row per true class with its counts and
    /// recall, then a precision row.
    /// </summary>
    /// <returns>The formatted table.</returns>
    public string GetFormattedConfusionTable()
    {
        int colWidth = NumberOfClasses == 2 ? 8 : 5;
        int maxNameLength = _classNames.Length == 0 ? 0 : _classNames.Max(n => n.Length);
        bool useNumbersInHeader = maxNameLength > colWidth;
        int rowLabelLength = maxNameLength;
        int rowDigitLength = 0;
        if (useNumbersInHeader)
        {
            rowDigitLength = Math.Max(NumberOfClasses - 1, 0).ToString(CultureInfo.InvariantCulture).Length;
            rowLabelLength += rowDigitLength + 2;
        }

        int paddingLength = Math.Max(9, rowLabelLength);
        string pad = new(' ', paddingLength - 9);
        string rowLabelFormat = useNumbersInHeader
            ? $"{{0,{rowDigitLength}}}. {{1,{paddingLength - (rowDigitLength + 2)}}} ||"
            : $"{{1,{paddingLength}}} ||";
        string countFormat = $" {{0,{colWidth}}} |";
        string line = new('=', NumberOfClasses * (colWidth + 3));

        var sb = new StringBuilder();
        sb.AppendLine().AppendLine("Confusion table");
        sb.Append(pad).Append("          ||").AppendLine(line);
        sb.Append(pad).Append("PREDICTED ||");
        for (int i = 0; i < NumberOfClasses; i++)
        {
            sb.AppendFormat(CultureInfo.InvariantCulture, countFormat, useNumbersInHeader ? i.ToString(CultureInfo.InvariantCulture) : _classNames[i]);
        }

        sb.AppendLine(" Recall");
        sb.Append(pad).Append("TRUTH     ||").AppendLine(line);
        for (int i = 0; i < NumberOfClasses; i++)
        {
            sb.AppendFormat(CultureInfo.InvariantCulture, rowLabelFormat, i, _classNames[i]);
            for (int j = 0; j < NumberOfClasses; j++)
            {
                sb.AppendFormat(CultureInfo.InvariantCulture, countFormat, Counts[i][j]);
            }

            sb.AppendFormat(CultureInfo.InvariantCulture, " {0,5:F4}", PerClassRecall[i]).AppendLine();
        }

        sb.Append(pad).Append("          ||").AppendLine(line);
        sb.Append(pad).Append("Precision ||");
        string precisionFormat = $"{{0,{colWidth + 1}:N4}} |";
        for (int i = 0; i < NumberOfClasses; i++)
        {
            sb.AppendFormat(CultureInfo.InvariantCulture, precisionFormat, PerClassPrecision[i]);
        }

        sb.AppendLine();
        return sb.ToString();
    }
}
