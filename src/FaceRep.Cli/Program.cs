using System.CommandLine;
using FaceRep.Cli;

// Before anything else runs: oneDNN reads its ISA cap from the native environment (see NumericBackend).
FaceRep.Training.Numerics.NumericBackend.CapIsa();

// Redirected output (a file, a pipe, CI) has no width to fit: give tables room rather than wrap every cell.
if (Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Width < 160)
    Spectre.Console.AnsiConsole.Profile.Width = 160;

var root = new RootCommand("facerep: run facial representation-learning studies on the FaceRep.Grid.");
root.Subcommands.Add(Commands.Demo());
root.Subcommands.Add(Commands.Run());
root.Subcommands.Add(PlanCommand.Create());
root.Subcommands.Add(DataCommands.Create());
root.Subcommands.Add(ResultsCommands.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(SweepCommands.Create());
root.Subcommands.Add(ClusterCommands.Create());
root.Subcommands.Add(ModelCommands.Create());
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // Bad input is one line per problem and exit code 2, with where the help is; no usage dump.
    var path = new List<string>();
    for (var command = parsed.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
        path.Insert(0, command.Command == root ? "facerep" : command.Command.Name);
    // An unknown verb also leaves its parent without a command; the unknown word is the news.
    var errors = parsed.Errors.Count > 1
        ? parsed.Errors.Where(e => !e.Message.StartsWith("Required command was not provided", StringComparison.Ordinal)).ToList()
        : parsed.Errors.ToList();
    foreach (var error in errors)
        Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine($"See '{string.Join(' ', path)} --help'.");
    return ExitCodes.BadInput;
}

// Ctrl-C and SIGTERM are handled here, not by System.CommandLine (whose handler returns from
// Main after two seconds whatever the verb is doing) nor by the embedded silo's host.
using var stop = new StopSignals(Console.Error);
int code;
try
{
    code = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, stop.Token);
}
catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
{
    Console.Error.WriteLine("Stopped.");
    code = ExitCodes.Ok;
}
catch (Exception e)
{
    code = Failures.Report(e, Console.Error);
}

return stop.ExitCode ?? code;
