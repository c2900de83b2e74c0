// Tests that read or change process-wide state (the global RNG seed, thread count, resident memory) run in this
// collection, alone, after the parallel tests: otherwise a concurrently running test would perturb them.
namespace WideNet.Torch.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalStateCollection
{
    public const string Name = "Global state (not parallel)";
}
