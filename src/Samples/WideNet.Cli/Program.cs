using System.CommandLine;
using WideNet.Cli;
using WideNet.Torch;

return Cli.Run(args);

namespace WideNet.Cli
{
    /// <summary>The `widenet` command line. Exit codes: 0 success, 2 bad usage or bad input (the message names the
    /// file or column), 1 internal error. Stack traces only with --verbose.</summary>
    public static class Cli
    {
        /// <summary>Runs the command line and returns the exit code.</summary>
        public static int Run(string[] args)
        {
            // Tables and markup go to the current Console.Out (which a host or a test may have redirected).
            Spectre.Console.AnsiConsole.Console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
            {
                Out = new Spectre.Console.AnsiConsoleOutput(Console.Out),
            });
            var verbose = new Option<bool>("--verbose") { Description = "print stack traces of errors", Recursive = true };
            var root = new RootCommand("widenet: train, evaluate and serve WideNet / Brainformer mixture-of-experts models")
            {
                ModelCommands.Train(), ModelCommands.Evaluate(), ModelCommands.Predict(), DescribeCommand.Create(),
                DemoCommand.Create(), BenchCommand.Create(), TuneCommand.Create(), ExportCommand.Create(), CompareCommand.Create(),
                LaunchCommand.Create(), DataBenchCommand.Create(), ShapeImages.Create(),
            };
            root.Options.Add(verbose);
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                foreach (var e in parsed.Errors) Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine("run `widenet --help` for usage");
                return 2;
            }
            try
            {
                return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            }
            catch (Exception e) when (IsUserError(e))
            {
                Console.Error.WriteLine($"error: {e.Message}");
                if (parsed.GetValue(verbose)) Console.Error.WriteLine(e);
                return 2;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"internal error: {e.GetType().Name}: {e.Message}");
                if (parsed.GetValue(verbose)) Console.Error.WriteLine(e);
                else Console.Error.WriteLine("(run again with --verbose for the stack trace)");
                return 1;
            }
        }

        static bool IsUserError(Exception e) => e is UsageException or ArgumentException or InvalidDataException or FileNotFoundException
            or DirectoryNotFoundException or InvalidOperationException or OperationCanceledException or TorchException;
    }
}
