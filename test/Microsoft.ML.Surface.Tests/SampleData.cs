using System.Globalization;

namespace Microsoft.ML.Surface.Tests;

/// <summary>Deterministic, well separated three-class data shaped like Iris.</summary>
internal static class SampleData
{
    public static IEnumerable<string> IrisLines(int perClass = 40)
    {
        yield return "SepalLength,SepalWidth,PetalLength,PetalWidth,Label";
        var random = new Random(42);
        (string Name, float[] Center)[] classes =
        [
            ("setosa", [5.0f, 3.4f, 1.5f, 0.2f]),
            ("versicolor", [5.9f, 2.8f, 4.3f, 1.3f]),
            ("virginica", [6.6f, 3.0f, 5.6f, 2.0f]),
        ];
        for (int i = 0; i < perClass; i++)
        {
            foreach (var (name, center) in classes)
            {
                var values = center.Select(c => (c + ((random.NextSingle() - 0.5f) * 0.4f)).ToString("F2", CultureInfo.InvariantCulture));
                yield return string.Join(',', values) + "," + name;
            }
        }
    }
}
