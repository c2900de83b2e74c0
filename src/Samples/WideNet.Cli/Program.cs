using System.CommandLine;
using WideNet.Cli;

var root = new RootCommand("widenet: train, evaluate and serve WideNet / Brainformer mixture-of-experts models");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
return await root.Parse(args).InvokeAsync();
