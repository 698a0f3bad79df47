using System.CommandLine;
using FaceRep.Cli;

var root = new RootCommand("facerep: run facial representation-learning studies on the FaceRep.Grid.");
root.Subcommands.Add(Commands.Demo());
root.Subcommands.Add(Commands.Run());
root.Subcommands.Add(DataCommands.Create());
root.Subcommands.Add(ResultsCommands.Create());
return await root.Parse(args).InvokeAsync();
