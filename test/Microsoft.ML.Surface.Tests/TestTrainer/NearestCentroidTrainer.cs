using Microsoft.ML.Data;

namespace Microsoft.ML.Surface.Tests.TestTrainer;

/// <summary>
/// A tiny trainer written the way a trainer package extends the surface: a catalog extension method, an estimator,
/// a batch-scoring transformer, and a loader registered by assembly attribute.
/// </summary>
public sealed class NearestCentroidTrainer : IEstimator<NearestCentroidTransformer>
{
    private readonly MLContext _context;
    private readonly string _labelColumnName;
    private readonly string _featureColumnName;

    internal NearestCentroidTrainer(MLContext context, string labelColumnName, string featureColumnName)
    {
        _context = context;
        _labelColumnName = labelColumnName;
        _featureColumnName = featureColumnName;
    }

    public NearestCentroidTransformer Fit(IDataView input)
    {
        var label = input.Schema[_labelColumnName];
        var features = input.Schema[_featureColumnName];
        int classCount = (int)((KeyDataViewType)label.Type).Count;
        int dimension = ((VectorDataViewType)features.Type).Size;
        var sums = new double[classCount, dimension];
        var counts = new int[classCount];
        using (var cursor = input.GetRowCursor([label, features]))
        {
            var labelGetter = cursor.GetGetter<uint>(label);
            var featureGetter = cursor.GetGetter<VBuffer<float>>(features);
            uint key = 0;
            VBuffer<float> vector = default;
            while (cursor.MoveNext())
            {
                labelGetter(ref key);
                if (key == 0)
                {
                    continue;
                }

                featureGetter(ref vector);
                counts[key - 1]++;
                int d = 0;
                foreach (var v in vector.DenseValues())
                {
                    sums[key - 1, d++] += v;
                }
            }
        }

        var centroids = new float[classCount * dimension];
        for (int c = 0; c < classCount; c++)
        {
            for (int d = 0; d < dimension; d++)
            {
                centroids[(c * dimension) + d] = counts[c] == 0 ? float.NaN : (float)(sums[c, d] / counts[c]);
            }
        }

        _context.WriteLog(Runtime.ChannelMessageKind.Info, nameof(NearestCentroidTrainer), $"Trained {classCount} centroids.");
        var labelSchema = new DataViewSchema.Builder();
        labelSchema.AddColumn(_labelColumnName, label.Type, label.Annotations);
        return new NearestCentroidTransformer(_featureColumnName, labelSchema.ToSchema(), dimension, centroids);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var columns = inputSchema.Where(c => c.Name is not (DefaultColumnNames.Score or DefaultColumnNames.PredictedLabel)).ToList();
        columns.Add(new SchemaShape.Column(DefaultColumnNames.Score, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false));
        columns.Add(new SchemaShape.Column(DefaultColumnNames.PredictedLabel, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true));
        return new SchemaShape(columns);
    }
}

