using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Training;
using Microsoft.ML.WideNet.Training.Tests;
using Microsoft.ML.WideNet.Vision;

namespace Microsoft.ML.WideNet.Trainers.Tests;

/// <summary>A row whose getters count how often ML.NET reads them (to see what a cursor reads, and when).</summary>
public class CountingRow
{
    public static int ImageReads, LabelReads;
    byte[] _image = [];
    string _label = "";
    [VectorType] public byte[] Image { get { Interlocked.Increment(ref ImageReads); return _image; } set => _image = value; }
    public string Label { get { Interlocked.Increment(ref LabelReads); return _label; } set => _label = value; }
}

/// <summary>The estimators as ML.NET components: Evaluate, CrossValidate, TrainTestSplit, caching, lazy batched
/// scoring, MLImage input, seeds and cancellation from the MLContext, progress in MLContext.Log.</summary>
public class MLNetIntegrationTests
{
    static WideNetImageClassificationTrainer.Options Small(int? seed = 0) => new()
    {
        MaxEpochs = 2, BatchSize = 16, HiddenSize = 32, NumHeads = 2, NumLayers = 2, FeedForwardSize = 32, Seed = seed,
        HorizontalFlip = false, RandomCrop = false, LearningRate = 3e-3,
    };

    /// <summary>Fashion-MNIST training images as encoded PNG bytes with their class names.</summary>
    static List<BytesRow> Fashion(int count, int offset = 0)
    {
        var (images, labels) = IdxReader.LoadFashionMnist(train: true);
        return Enumerable.Range(offset, count).Select(i => new BytesRow
        {
            Image = TestPng.Encode(images.Data.AsSpan(i * 784, 784).ToArray(), 28, 28, 1),
            Label = IdxReader.FashionMnistClasses[labels[i]],
        }).ToList();
    }

    static EstimatorChain<WideNetImageClassificationTransformer> Pipeline(MLContext ml, WideNetImageClassificationTrainer.Options o) =>
        ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.WideNet(o));

    static List<float[]> Scores(IDataView scored)
    {
        var col = scored.Schema["Score"];
        using var cursor = scored.GetRowCursor([col]);
        var get = cursor.GetGetter<VBuffer<float>>(col);
        var result = new List<float[]>();
        VBuffer<float> v = default;
        while (cursor.MoveNext()) { get(ref v); result.Add(v.DenseValues().ToArray()); }
        return result;
    }

    [Fact]
    public void AutomaticEpochsGiveSmallDataEnoughSteps()
    {
        var o = new WideNetImageClassificationTrainer.Options();                       // MaxEpochs and patience automatic
        Assert.Equal((10, 3), o.EpochsFor(57_000));                                     // large data: 10 epochs
        Assert.Equal((469, 46), o.EpochsFor(1_000));                                    // 16 steps an epoch: 7,500 steps
        Assert.Equal((500, 50), o.EpochsFor(100));                                      // at most 500 epochs
        Assert.Equal((79, 7), new WideNetTextClassificationTrainer.Options().EpochsFor(1_000));   // text: 32 a batch, 2,500 steps
        o.MaxEpochs = 4;
        o.EarlyStoppingPatience = 1;
        Assert.Equal((4, 1), o.EpochsFor(1_000));                                       // set values are kept

        // Through Fit: the log says what was chosen (one epoch runs: the time limit ends the run after it).
        var ml = new MLContext(seed: 0);
        var messages = new List<string>();
        ml.Log += (_, e) => { if (e.Source.Contains("WideNetImageClassificationTrainer")) lock (messages) messages.Add(e.RawMessage); };
        var options = Small();
        (options.MaxEpochs, options.MaxTrainingSeconds, options.RandomCrop) = (null, 0.001, null);
        using var model = Pipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(Fashion(200)));
        Assert.Contains(messages, m => m.StartsWith("MaxEpochs automatic: 500 epochs for 179 rows"));
        Assert.Contains("RandomCrop automatic: on for 179 training rows", messages);   // small data: crops on
        Assert.Single(model.LastTransformer.TrainingResult!.History);
    }

    [Fact]
    public void EvaluateCrossValidateSplitAndCacheWorkWithMLNet()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(Fashion(600));
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 1);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").AppendCacheCheckpoint(ml)
                         .Append(ml.MulticlassClassification.Trainers.WideNet(Small()));
        using var model = pipeline.Fit(split.TrainSet);
        var m = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet), topKPredictionCount: 3);
        Assert.InRange(m.MicroAccuracy, 0.25, 1.0);        // 10 classes, 450 images, 2 epochs of a tiny model
        Assert.True(double.IsFinite(m.LogLoss) && m.LogLoss > 0, $"log loss {m.LogLoss}");
        Assert.InRange(m.LogLossReduction, 0.02, 1.0);       // probabilities, better than the class prior
        Assert.True(m.TopKAccuracy >= m.MicroAccuracy);
        Assert.Equal(10, m.PerClassLogLoss.Count);
        Assert.Contains("T-shirt/top", m.ConfusionMatrix.GetFormattedConfusionTable());

        var folds = ml.MulticlassClassification.CrossValidate(data, Pipeline(ml, Small()), numberOfFolds: 2);
        Assert.Equal(2, folds.Count);
        foreach (var f in folds)
        {
            Assert.InRange(f.Metrics.MicroAccuracy, 0.2, 1.0);
            (f.Model as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void TransformIsLazyScoresInBatchesAndNeverReadsTheLabel()
    {
        var ml = new MLContext(seed: 0);
        var rows = Fashion(100).Select(r => new CountingRow { Image = r.Image, Label = r.Label }).ToList();
        var o = Small();
        o.MaxEpochs = 1;
        using var model = Pipeline(ml, o).Fit(ml.Data.LoadFromEnumerable(Fashion(100))).LastTransformer;
        var data = ml.Data.LoadFromEnumerable(rows);
        model.BatchSize = 32;
        CountingRow.ImageReads = CountingRow.LabelReads = 0;
        var scored = model.Transform(data);
        Assert.Equal(0, CountingRow.ImageReads);                       // lazy: nothing read yet

        using (var cursor = scored.GetRowCursor([scored.Schema["Label"]]))   // no output column: nothing computed
            while (cursor.MoveNext()) { }
        Assert.Equal(0, CountingRow.ImageReads);

        using (var cursor = scored.GetRowCursor([scored.Schema["Score"], scored.Schema["PredictedLabel"]]))
        {
            Assert.True(cursor.MoveNext());
            Assert.Equal(32, CountingRow.ImageReads);                 // one batch read ahead and scored
            var n = 1;
            while (cursor.MoveNext()) n++;
            Assert.Equal(100, n);
        }
        Assert.Equal(100, CountingRow.ImageReads);
        Assert.Equal(0, CountingRow.LabelReads);
    }

    [Fact]
    public void MLImageColumnsOfAnySizeTrainAndScoreLikeTheirBytes()
    {
        var dir = Directory.CreateTempSubdirectory("widenet-mlimage").FullName;
        try
        {
            var ml = new MLContext(seed: 0);
            var rows = Fashion(160);
            var listed = rows.Select((r, i) =>
            {
                var name = $"img{i:D3}.png";
                File.WriteAllBytes(Path.Combine(dir, name), r.Image);
                return new ImageRow { ImagePath = name, Label = r.Label };
            }).ToList();
            var data = ml.Data.LoadFromEnumerable(listed);
            var o = Small();
            o.ImageSize = 28;
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
                             .Append(ml.Transforms.LoadImages("Image", dir, "ImagePath"))
                             .Append(ml.MulticlassClassification.Trainers.WideNet(o));
            using var model = pipeline.Fit(data);
            var classifier = ((IEnumerable<ITransformer>)model).OfType<WideNetImageClassificationTransformer>().Single();
            Assert.Equal(1, classifier.Channels);                          // grey PNGs arrive as BGRA MLImages with R = G = B
            var fromImages = Scores(model.Transform(data));
            // The same classifier scores the encoded bytes of the same files identically.
            var bytes = ml.Transforms.LoadRawImageBytes("Image", dir, "ImagePath").Fit(data).Transform(data);
            var fromBytes = Scores(classifier.Transform(bytes));
            for (var i = 0; i < fromImages.Count; i++)
                for (var c = 0; c < 10; c++) Assert.Equal(fromImages[i][c], fromBytes[i][c], 1e-5f);
            // A missing image file is a clear exception naming it (from ML.NET's LoadImages).
            var missing = ml.Data.LoadFromEnumerable(new[] { new ImageRow { ImagePath = "nope.png", Label = rows[0].Label } });
            var e = Assert.ThrowsAny<Exception>(() => Scores(model.Transform(missing)));
            Assert.Contains("nope.png", e.ToString());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void SeedComesFromTheMLContextWhenTheOptionsSetNone()
    {
        var rows = Fashion(120);
        List<float[]> Run(int contextSeed)
        {
            var ml = new MLContext(seed: contextSeed);
            var data = ml.Data.LoadFromEnumerable(rows);
            var o = Small(seed: null);
            o.MaxEpochs = 1;
            using var model = Pipeline(ml, o).Fit(data);
            return Scores(model.Transform(data));
        }
        var a = Run(5);
        var b = Run(5);
        var c = Run(6);
        Assert.Equal(a.SelectMany(x => x), b.SelectMany(x => x));
        Assert.NotEqual(a.SelectMany(x => x), c.SelectMany(x => x));
    }

    [Fact]
    public void CancelExecutionStopsFitBetweenStepsWithMLNetsException()
    {
        var ml = new MLContext(seed: 0);
        var messages = new List<string>();
        ml.Log += (_, e) => { if (e.Source.Contains("WideNetImageClassificationTrainer")) lock (messages) messages.Add(e.RawMessage); };
        var data = ml.Data.LoadFromEnumerable(Fashion(400));
        var o = Small();
        o.MaxEpochs = 50;
        o.BatchSize = 8;
        o.LogEverySteps = 1;
        var steps = 0;
        var cancelledAt = -1;
        o.Progress = new SyncProgress(p =>
        {
            steps = (int)p.Step;
            if (p.Step == 5 && cancelledAt < 0) { cancelledAt = steps; MLNetBridge.CancelExecution(ml); }
        });
        var e = Assert.ThrowsAny<OperationCanceledException>(() => Pipeline(ml, o).Fit(data));
        Assert.True(cancelledAt == 5, "the run never reached step 5");
        Assert.True(steps < 500, $"Fit ran on to step {steps} of {45 * 50}");
        Assert.Contains(messages, m => m.Contains("step", StringComparison.Ordinal));   // progress reached MLContext.Log
        Assert.Contains(messages, m => m.Contains("cancelled", StringComparison.Ordinal));
        Assert.NotNull(e);
    }

    [Fact]
    public void ChainsDisposeTheClassifierAndPipelinesCheckColumnsBeforeFitting()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(Fashion(60));
        var o = Small();
        o.MaxEpochs = 1;
        var model = Pipeline(ml, o).Fit(data);
        var classifier = model.OfType<WideNetImageClassificationTransformer>().Single();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => { classifier.Transform(data); });

        // Schema propagation (EstimatorChain.GetOutputSchema) names a missing column before any training.
        var bad = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.WideNet(new WideNetImageClassificationTrainer.Options { ImageColumnName = "Picture" }));
        var e = Assert.ThrowsAny<ArgumentException>(() => bad.GetOutputSchema(Shape(data.Schema)));
        Assert.Contains("'Picture'", e.Message);
        var shape = Pipeline(ml, o).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).GetOutputSchema(Shape(data.Schema));
        var score = shape.Single(c => c.Name == "Score");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, score.Kind);
        var predicted = shape.Single(c => c.Name == "PredictedLabel");
        Assert.Equal(TextDataViewType.Instance, predicted.ItemType);   // MapKeyToValue restored the class names
    }

    [Fact]
    public void EveryInternalMemberOfMLNetWeUseStillExists()
    {
        // The list in src/Microsoft.ML.WideNet/Trainers/MLNetInternals/README.md, checked on the shipped binaries.
        var core = typeof(ModelSaveContext).Assembly;
        var data = typeof(MLContext).Assembly;
        const BindingFlags any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
        Type T(Assembly a, string name) => a.GetType(name) ?? throw new Xunit.Sdk.XunitException($"{a.GetName().Name} has no type {name}");
        void Method(Type t, string name, params Type[] args) =>
            Assert.True(t.GetMethod(name, any, args) is not null, $"{t.FullName}.{name}({string.Join(", ", args.Select(a => a.Name))}) is gone");
        void Field(Type t, string name) => Assert.True(t.GetField(name, any) is not null, $"{t.FullName}.{name} is gone");

        var version = T(core, "Microsoft.ML.VersionInfo");
        Assert.NotNull(version.GetConstructor(any, [typeof(string), typeof(uint), typeof(uint), typeof(uint), typeof(string), typeof(string), typeof(string)]));
        Method(typeof(ModelSaveContext), "CheckAtModel");
        Method(typeof(ModelSaveContext), "SetVersionInfo", version);
        Method(typeof(ModelSaveContext), "SaveBinaryStream", typeof(string), typeof(Action<BinaryWriter>));
        Field(typeof(ModelSaveContext), "Writer");
        var load = T(core, "Microsoft.ML.ModelLoadContext");
        Method(load, "CheckAtModel", version);
        Method(load, "TryLoadBinaryStream", typeof(string), typeof(Action<BinaryReader>));
        Field(load, "Reader");
        Field(load, "Directory");
        var loadable = T(core, "Microsoft.ML.LoadableClassAttribute");
        Assert.NotNull(loadable.GetConstructor(any, [typeof(Type), typeof(Type), typeof(Type), typeof(Type), typeof(string), typeof(string[])]));
        T(core, "Microsoft.ML.SignatureLoadModel");
        var host = typeof(Microsoft.ML.Runtime.IHostEnvironment);
        Method(T(core, "Microsoft.ML.Runtime.Contracts"), "CheckAlive", host);
        Assert.NotNull(T(core, "Microsoft.ML.Runtime.ICancelable").GetProperty("IsCanceled", any));
        var envInternal = T(core, "Microsoft.ML.Runtime.IHostEnvironmentInternal");
        Assert.NotNull(envInternal.GetProperty("GpuDeviceId", any));
        Assert.NotNull(envInternal.GetProperty("FallbackToCpu", any));
        Assert.NotNull(typeof(SchemaShape.Column).GetConstructor(any,
            [typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool), typeof(SchemaShape)]));
        Method(typeof(MLContext), "CancelExecution");
        var catalog = T(data, "Microsoft.ML.Data.IInternalCatalog");
        Assert.NotNull(catalog.GetProperty("Environment", any));
        Assert.True(catalog.IsAssignableFrom(typeof(MulticlassClassificationCatalog.MulticlassClassificationTrainers)));
        // And the bridge really reaches them at run time (IgnoresAccessChecksTo honoured).
        var ml = new MLContext(seed: 0);
        var env = MLNetBridge.Environment(ml.MulticlassClassification.Trainers);
        Assert.False(MLNetBridge.IsCanceled(env));
        MLNetBridge.CancelExecution(ml);
        Assert.True(MLNetBridge.IsCanceled(env));
        Assert.ThrowsAny<OperationCanceledException>(() => MLNetBridge.CheckAlive(env));
    }

    /// <summary>ML.NET's SchemaShape.Create (internal; what EstimatorChain.Fit calls first).</summary>
    static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Static, [typeof(DataViewSchema)])!.Invoke(null, [schema])!;

    [Fact]
    public void InternalsOfMLNetAreUsedOnlyInTheMLNetInternalsFolder()
    {
        // Every member reference of our assembly into Microsoft.ML.Core/Data, resolved against the shipped binaries:
        // the non-public ones may appear only in the types of Trainers/MLNetInternals.
        var allowed = new HashSet<string> { "MLNetBridge", "ModelEntry", "ModelLoaders", "ImageClassifier", "TextClassifier" };
        var resolver = new Mono.Cecil.DefaultAssemblyResolver();
        resolver.AddSearchDirectory(AppContext.BaseDirectory);
        using var asm = Mono.Cecil.AssemblyDefinition.ReadAssembly(typeof(WideNetImageClassificationTrainer).Assembly.Location,
                                                                     new Mono.Cecil.ReaderParameters { AssemblyResolver = resolver });
        var violations = new List<string>();
        var usedInFolder = 0;
        static bool IsMLNet(Mono.Cecil.IMetadataScope scope) => scope.Name is "Microsoft.ML.Core" or "Microsoft.ML.Data";
        static bool Visible(Mono.Cecil.TypeDefinition t) => t.IsPublic || t.IsNestedPublic && Visible(t.DeclaringType);
        foreach (var type in asm.MainModule.GetTypes())
        {
            var outer = type;
            while (outer.DeclaringType is not null && !allowed.Contains(outer.Name)) outer = outer.DeclaringType;
            var inFolder = allowed.Contains(outer.Name) || allowed.Contains(type.Name);
            foreach (var method in type.Methods.Where(m => m.HasBody))
                foreach (var ins in method.Body.Instructions)
                {
                    string? hidden = ins.Operand switch
                    {
                        Mono.Cecil.MethodReference m when IsMLNet(m.DeclaringType.Scope) && m.Resolve() is { } d && (!d.IsPublic || !Visible(d.DeclaringType)) => m.FullName,
                        Mono.Cecil.FieldReference f when IsMLNet(f.DeclaringType.Scope) && f.Resolve() is { } d && (!d.IsPublic || !Visible(d.DeclaringType)) => f.FullName,
                        Mono.Cecil.TypeReference t when IsMLNet(t.Scope) && t.Resolve() is { } d && !Visible(d) => t.FullName,
                        _ => null,
                    };
                    if (hidden is null) continue;
                    if (inFolder) usedInFolder++;
                    else violations.Add($"{type.FullName}.{method.Name} uses {hidden}");
                }
        }
        Assert.True(usedInFolder > 5, "the scan found no internal use even in MLNetInternals: it is not working");
        Assert.True(violations.Count == 0, "ML.NET internals used outside Trainers/MLNetInternals:\n" + string.Join("\n", violations.Distinct()));
    }

    [Fact]
    public void NoTypeOfOursHasTheNameOfAnMLNetType()
    {
        var mlnet = new[] { typeof(MLContext), typeof(ModelSaveContext), typeof(IDataView), typeof(MLImage) }
            .Select(t => t.Assembly).Distinct().SelectMany(a => a.GetTypes()).Select(t => t.FullName).ToHashSet();
        var ours = new[] { typeof(WideNetImageClassificationTrainer).Assembly, typeof(global::WideNet.Torch.Tensor).Assembly };
        var clashes = ours.SelectMany(a => a.GetTypes()).Where(t => !t.FullName!.StartsWith("<", StringComparison.Ordinal) && mlnet.Contains(t.FullName)).Select(t => t.FullName).ToList();
        Assert.True(clashes.Count == 0, "types that ML.NET also defines: " + string.Join(", ", clashes));
    }

    sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
