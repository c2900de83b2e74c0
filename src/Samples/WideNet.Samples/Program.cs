using WideNet.Samples;

// Each sample is a complete program in the style of ML.NET's samples; pick one by name.
var samples = new Dictionary<string, Action<string[]>>
{
    ["image-folder"] = ImageClassificationFromFolder.Run,
    ["text-tsv"] = TextClassificationFromTsv.Run,
    ["load-and-predict"] = LoadModelAndPredict.Run,
    ["compare"] = CompareWithMLNetTrainers.Run,
    ["tune"] = TuneImageClassifier.Run,
};
if (args.Length == 0 || !samples.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: WideNet.Samples {string.Join(" | ", samples.Keys)} [ARGS]");
    return 2;
}
run(args[1..]);
return 0;
