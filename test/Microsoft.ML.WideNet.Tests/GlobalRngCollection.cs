// Tests that seed or draw from LibTorch's global generator (routing noise in training mode, `manual_seed`) run in
// this collection, alone, after the parallel tests: a concurrently running test drawing from the same generator
// would otherwise change what they see from run to run.
namespace Microsoft.ML.WideNet.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRngCollection
{
    public const string Name = "Global RNG (not parallel)";
}
