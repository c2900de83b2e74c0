using System.CommandLine;
using Microsoft.ML.WideNet;
using Microsoft.ML.WideNet.Models;
using Microsoft.ML.WideNet.Nn;
using Spectre.Console;

namespace WideNet.Cli;

/// <summary>`widenet describe`: the layers of an architecture at a preset and its parameter counts.</summary>
internal static class DescribeCommand
{
    internal static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "widenet | brainformer | vit | vit-moe | transformer | albert", DefaultValueFactory = _ => "widenet" };
        var preset = new Option<string>("--preset") { Description = "tiny | small | base | large | huge", DefaultValueFactory = _ => "base" };
        var task = new Option<string>("--task") { Description = "image | text", DefaultValueFactory = _ => "image" };
        var imageSize = new Option<int>("--image-size") { Description = "image side", DefaultValueFactory = _ => 224 };
        var patch = new Option<int>("--patch") { Description = "patch side (0: automatic)", DefaultValueFactory = _ => 16 };
        var channels = new Option<int>("--channels") { Description = "image channels", DefaultValueFactory = _ => 3 };
        var classes = new Option<int>("--classes") { Description = "classes", DefaultValueFactory = _ => 1000 };
        var vocab = new Option<int>("--vocab") { Description = "vocabulary size (text)", DefaultValueFactory = _ => 30000 };
        var cmd = new Command("describe", "layer table and parameter counts of an architecture") { arch, preset, task, imageSize, patch, channels, classes, vocab };
        cmd.SetAction(r =>
        {
            var a = Enum.TryParse<ModelArchitecture>(r.GetValue(arch)!.Replace("-", ""), ignoreCase: true, out var x) ? x
                : throw new UsageException($"--arch {r.GetValue(arch)}: expected widenet, brainformer, vit, vit-moe, transformer or albert");
            var p = ModelCommands.ParsePreset(r.GetValue(preset)!);
            IClassifier model;
            try
            {
                model = r.GetValue(task)!.ToLowerInvariant() switch
                {
                    "image" => new WideNetImageClassificationTrainer.Options { Architecture = a, Preset = p, PatchSize = r.GetValue(patch) }
                        .CreateModel(r.GetValue(imageSize), r.GetValue(channels), r.GetValue(classes)),
                    "text" => new WideNetTextClassificationTrainer.Options { Architecture = a, Preset = p }.CreateModel(r.GetValue(vocab), r.GetValue(classes)),
                    var t => throw new UsageException($"--task {t}: expected image or text"),
                };
            }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
            using (model)
            {
                var table = new Table().AddColumn("layer").AddColumn("type").AddColumn(new TableColumn("parameters").RightAligned());
                foreach (var (name, child) in model.Module.named_children()) Add(table, name, child, 0);
                AnsiConsole.Write(table);
                var (total, active) = VisionPresets.CountParameters(model);
                Console.WriteLine($"active parameters per token: {active:N0}");
                Console.WriteLine($"parameters: {total}");
            }
            return 0;
        });
        return cmd;
    }

    static void Add(Table table, string name, Module m, int depth)
    {
        table.AddRow(new string(' ', 2 * depth) + Markup.Escape(name), m.GetType().Name, m.parameter_count().ToString("N0"));
        if (m is ModuleList && depth < 1)
        {
            var children = m.named_children().ToList();
            foreach (var (n, c) in children.Take(3)) Add(table, $"{name}.{n}", c, depth + 1);
            if (children.Count > 3) table.AddRow(new string(' ', 2 * depth + 2) + $"… {children.Count - 3} more", "", "");
        }
    }
}
