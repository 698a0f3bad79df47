using System.CommandLine;
using FaceRep.Cli;

// Redirected output (a file, a pipe, CI) has no width to fit: give tables room rather than wrap every cell.
if (Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Width < 160)
    Spectre.Console.AnsiConsole.Profile.Width = 160;

var root = new RootCommand("facerep: run facial representation-learning studies on the FaceRep.Grid.");
root.Subcommands.Add(Commands.Demo());
root.Subcommands.Add(Commands.Run());
root.Subcommands.Add(DataCommands.Create());
root.Subcommands.Add(ResultsCommands.Create());
root.Subcommands.Add(ReportCommand.Create());
return await root.Parse(args).InvokeAsync();
