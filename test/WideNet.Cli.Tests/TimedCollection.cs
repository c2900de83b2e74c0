namespace WideNet.Cli.Tests;

/// <summary>Tests that check a wall-time budget: they run after the assembly's parallel tests, one at a time, so that a
/// package build or another training in the same process does not take their cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimedCollection
{
    public const string Name = "wall-time budgets";
}
