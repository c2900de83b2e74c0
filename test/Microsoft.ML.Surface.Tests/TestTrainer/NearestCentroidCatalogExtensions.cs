using Microsoft.ML.Data;
using Microsoft.ML.Surface.Tests.TestTrainer;

namespace Microsoft.ML;

/// <summary>The catalog extension, as a trainer package ships it: in namespace Microsoft.ML, like ML.NET's own.</summary>
public static class NearestCentroidCatalogExtensions
{
    public static NearestCentroidTrainer NearestCentroid(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features) =>
        new(catalog.GetMLContext(), labelColumnName, featureColumnName);
}

