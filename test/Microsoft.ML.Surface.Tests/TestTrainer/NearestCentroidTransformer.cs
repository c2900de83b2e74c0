using System.Runtime.InteropServices;
using Microsoft.ML.Data;

[assembly: Microsoft.ML.ModelLoader(typeof(Microsoft.ML.Surface.Tests.TestTrainer.NearestCentroidLoader))]

namespace Microsoft.ML.Surface.Tests.TestTrainer;

/// <summary>Scores by softmax over negative squared distances to the class centroids, a block of rows at a time.</summary>
public sealed class NearestCentroidTransformer : BatchColumnTransformerBase, IDisposable
{
    internal const string LoaderName = "NearestCentroidTransformer";

    internal NearestCentroidTransformer(string featureColumnName, DataViewSchema labelSchema, int dimension, float[] centroids)
    {
        FeatureColumnName = featureColumnName;
        LabelSchema = labelSchema;
        Dimension = dimension;
        Centroids = centroids;
    }

    public string FeatureColumnName { get; }

    public DataViewSchema LabelSchema { get; }

    public int Dimension { get; }

    public float[] Centroids { get; }

    public int ClassCount => Centroids.Length / Dimension;

    public bool IsDisposed { get; private set; }

    /// <summary>How many batches the workers computed (to observe batching in tests).</summary>
    public int BatchesComputed;

    public int BatchSize { get; set; } = 4;

    public void Dispose() => IsDisposed = true;

    protected override BatchColumnMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(LoaderName, 1);
        ctx.WriteJson("config.json", new Config { FeatureColumnName = FeatureColumnName, Dimension = Dimension });
        ctx.WriteSchema("label.schema.json", LabelSchema);
        ctx.WriteBytes("centroids.bin", MemoryMarshal.AsBytes(Centroids.AsSpan()));
    }

    internal sealed class Config
    {
        public string FeatureColumnName { get; set; } = "";

        public int Dimension { get; set; }
    }

    private sealed class Mapper(NearestCentroidTransformer parent, DataViewSchema inputSchema) : BatchColumnMapper(inputSchema)
    {
        private readonly DataViewSchema.Column _features = inputSchema[parent.FeatureColumnName];

        public override int BatchSize => parent.BatchSize;

        protected override IEnumerable<DataViewSchema.DetachedColumn> GetOutputColumns()
        {
            var label = parent.LabelSchema[0];
            int k = parent.ClassCount;
            VBuffer<ReadOnlyMemory<char>> names = default;
            label.GetKeyValues(ref names);
            var scoreAnnotations = new DataViewSchema.Annotations.Builder();
            scoreAnnotations.AddSlotNames(k, (ref VBuffer<ReadOnlyMemory<char>> dst) => names.CopyTo(ref dst));
            var predictedAnnotations = new DataViewSchema.Annotations.Builder();
            predictedAnnotations.Add(label.Annotations, kind => kind == AnnotationUtils.Kinds.KeyValues);
            yield return new(DefaultColumnNames.Score, new VectorDataViewType(NumberDataViewType.Single, k), scoreAnnotations.ToAnnotations());
            yield return new(DefaultColumnNames.PredictedLabel, new KeyDataViewType(typeof(uint), k), predictedAnnotations.ToAnnotations());
        }

        public override IEnumerable<DataViewSchema.Column> GetDependencies(IReadOnlyList<bool> activeOutputs) => [_features];

        public override BatchColumnWorker CreateWorker(DataViewRow input, IReadOnlyList<bool> activeOutputs) =>
            new Worker(parent, input.GetGetter<VBuffer<float>>(_features), BatchSize);
    }

    private sealed class Worker(NearestCentroidTransformer parent, ValueGetter<VBuffer<float>> features, int batchSize) : BatchColumnWorker
    {
        private readonly float[] _batch = new float[batchSize * parent.Dimension];
        private VBuffer<float> _row;

        public override void AddRow(int rowInBatch)
        {
            features(ref _row);
            _row.CopyTo(_batch.AsSpan(rowInBatch * parent.Dimension, parent.Dimension));
        }

        public override void ComputeBatch(BatchColumnOutputs outputs)
        {
            Interlocked.Increment(ref parent.BatchesComputed);
            int k = parent.ClassCount;
            int dim = parent.Dimension;
            var scores = outputs.IsActive(0) ? outputs.GetValues<VBuffer<float>>(0) : default;
            var labels = outputs.IsActive(1) ? outputs.GetValues<uint>(1) : default;
            var probabilities = new float[k];
            for (int r = 0; r < outputs.RowCount; r++)
            {
                var x = _batch.AsSpan(r * dim, dim);
                for (int c = 0; c < k; c++)
                {
                    var centroid = parent.Centroids.AsSpan(c * dim, dim);
                    double distance = 0;
                    for (int d = 0; d < dim; d++)
                    {
                        distance += (x[d] - centroid[d]) * (x[d] - centroid[d]);
                    }

                    probabilities[c] = float.IsNaN(centroid[0]) ? float.NegativeInfinity : (float)-distance;
                }

                float max = probabilities.Max();
                double sum = probabilities.Sum(p => Math.Exp(p - max));
                for (int c = 0; c < k; c++)
                {
                    probabilities[c] = (float)(Math.Exp(probabilities[c] - max) / sum);
                }

                if (!scores.IsEmpty)
                {
                    var editor = VBufferEditor.Create(ref scores[r], k);
                    probabilities.CopyTo(editor.Values);
                    scores[r] = editor.Commit();
                }

                if (!labels.IsEmpty)
                {
                    labels[r] = (uint)Array.IndexOf(probabilities, probabilities.Max()) + 1;
                }
            }
        }
    }
}

/// <summary>Found by Model.Load through the assembly-level [ModelLoader] attribute above.</summary>
public sealed class NearestCentroidLoader : IModelLoader
{
    public string LoaderName => NearestCentroidTransformer.LoaderName;

    public int FormatVersion => 1;

    public ITransformer Load(ModelLoadContext context)
    {
        var config = context.ReadJson<NearestCentroidTransformer.Config>("config.json");
        var labelSchema = context.ReadSchema("label.schema.json");
        var centroids = MemoryMarshal.Cast<byte, float>(context.ReadBytes("centroids.bin")).ToArray();
        return new NearestCentroidTransformer(config.FeatureColumnName, labelSchema, config.Dimension, centroids);
    }
}
