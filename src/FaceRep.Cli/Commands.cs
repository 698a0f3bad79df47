using System.CommandLine;
using FaceRep.Core.Specs;
using FaceRep.Grid.Hosting;
using Serilog;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary>The console's verbs.</summary>
public static class Commands
{
    private static readonly Option<string> Out = new("--out")
    {
        Description = "Output directory for state, results, checkpoints and logs; a second run in the same place resumes.",
        DefaultValueFactory = _ => "facerep-out",
    };

    private static readonly Option<int> Slots = new("--slots")
    {
        Description = "CPU worker slots (0: one per core).",
        DefaultValueFactory = _ => 0,
    };

    private static readonly Option<int> Threads = new("--threads")
    {
        Description = "libtorch threads per slot.",
        DefaultValueFactory = _ => 1,
    };

    private static readonly Option<bool> RetryFailed = new("--retry-failed")
    {
        Description = "Run again the jobs that failed in an earlier run (diverged ones included); without it they stay failed and are counted apart.",
    };

    private static readonly Option<string> DataRoot = new("--data")
    {
        Description = "Directory of imported datasets: a spec's 'dataset: NAME' is the set in DATA/NAME (see 'facerep data import').",
        DefaultValueFactory = _ => "data",
    };

    private static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show information-level logs on the console (they always go to the log file).",
    };

    /// <summary><c>facerep demo --profile smoke</c>.</summary>
    public static Command Demo()
    {
        var profile = new Option<string>("--profile")
        {
            Description = $"Built-in sweep to run: {string.Join(", ", Profiles.Names)}.",
            DefaultValueFactory = _ => "demo",
        };
        var command = new Command("demo", "Run a built-in sweep in embedded mode (no servers) and print its results.");
        command.Options.Add(profile);
        AddCommon(command);
        command.SetAction((result, cancellationToken) =>
        {
            var name = result.GetValue(profile)!;
            var text = Profiles.Read(name);
            if (text is null)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]Unknown profile '{name}'.[/] Known profiles: {string.Join(", ", Profiles.Names)}.");
                return Task.FromResult(ExitCodes.BadInput);
            }

            return RunEmbeddedAsync(text, $"profile:{name}", result, cancellationToken);
        });
        return command;
    }

    /// <summary><c>facerep run SPEC.yaml</c>.</summary>
    public static Command Run()
    {
        var spec = new Argument<string>("spec") { Description = "The sweep spec (YAML)." };
        var command = new Command("run", "Run a sweep spec in embedded mode in the foreground; run it again to resume.");
        command.Arguments.Add(spec);
        AddCommon(command);
        command.SetAction((result, cancellationToken) =>
        {
            var path = result.GetValue(spec)!;
            string text;
            try
            {
                text = new SweepSpecParser().ReadFile(path);
            }
            catch (SpecException e)
            {
                return Task.FromResult(ReportSpecErrors(AnsiConsole.Console, e));
            }

            return RunEmbeddedAsync(text, Path.GetFileName(path), result, cancellationToken);
        });
        return command;
    }

    /// <summary>Prints a refused spec's problems, one <c>error:</c> line each; returns the bad-input exit code.</summary>
    internal static int ReportSpecErrors(IAnsiConsole console, SpecException e)
    {
        foreach (var error in e.Errors)
            console.MarkupLineInterpolated($"[red]error:[/] {error.ToString()}");
        return ExitCodes.BadInput;
    }

    private static void AddCommon(Command command)
    {
        command.Options.Add(Out);
        command.Options.Add(Slots);
        command.Options.Add(Threads);
        command.Options.Add(RetryFailed);
        command.Options.Add(DataRoot);
        command.Options.Add(Verbose);
    }

    /// <summary>The environment variable with the start-up numeric self-check's tolerance (see <see cref="GridOptions.NumericTolerance"/>).</summary>
    public const string NumericToleranceVariable = "FACEREP_NUMERIC_TOLERANCE";

    /// <summary>Most CPU worker slots a run may ask for, per core: more only share the same cores.</summary>
    public const int MaxSlotsPerCore = 4;

    /// <summary>Checks --slots and --threads against this machine; null when they are fine, else the problem.</summary>
    internal static string? CheckResources(int slots, int threads, int cores)
    {
        var maxSlots = MaxSlotsPerCore * cores;
        if (slots < 0 || slots > maxSlots)
            return $"--slots {slots}: use 0 (one per core) to {maxSlots} ({MaxSlotsPerCore} per core on this machine's {cores})";
        if (threads < 1 || threads > cores)
            return $"--threads {threads}: use 1 to {cores} (this machine's cores)";
        var effective = slots == 0 ? cores : slots;
        if (effective * threads > maxSlots)
            return $"--slots {effective} × --threads {threads} is {effective * threads} threads: use at most {maxSlots} ({MaxSlotsPerCore} per core on this machine's {cores})";
        return null;
    }

    private static async Task<int> RunEmbeddedAsync(string specText, string fileName, ParseResult result, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        var slots = result.GetValue(Slots);
        var threads = result.GetValue(Threads);
        if (CheckResources(slots, threads, Environment.ProcessorCount) is { } resources)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {resources}");
            return ExitCodes.BadInput;
        }

        var dataRoot = Path.GetFullPath(result.GetValue(DataRoot)!);
        var datasets = Data.ImageSets.DatasetCatalog.Open([dataRoot]);
        Grid.Planning.SweepPlan plan;
        try
        {
            plan = Grid.Planning.SweepPlanner.Plan(specText, fileName, datasets);
        }
        catch (SpecException e)
        {
            return ReportSpecErrors(console, e);
        }

        // One process is one silo: a job placed on a device kind it lacks, or needing more devices
        // than it has, would wait for ever. (Inventoried only for such jobs: asking libtorch about
        // GPUs costs a second.)
        var grid = plan.Grid;
        if (grid.Pretrain.Any(p => p.Config.Devices > 1) || grid.Spec.Placement != Core.Specs.PlacementSpec.Anywhere)
        {
            var inventory = GridHosting.Inventory(new GridOptions { CpuSlots = slots, ThreadsPerSlot = threads });
            var problems = Grid.Planning.SweepPlanner.CheckPlacement(plan, inventory.Devices.Select(d => d.Name).ToList());
            foreach (var problem in problems)
                console.MarkupLineInterpolated($"[red]error:[/] {problem}");
            if (problems.Count > 0)
                return ExitCodes.BadInput;
        }

        var tolerance = Training.Numerics.NumericSelfCheck.DefaultTolerance;
        if (Environment.GetEnvironmentVariable(NumericToleranceVariable) is { Length: > 0 } toleranceText
            && !(double.TryParse(toleranceText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out tolerance) && tolerance is >= 0 and <= 1))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {NumericToleranceVariable} is '{toleranceText}'; use a number from 0 to 1 (default 0.001)");
            return ExitCodes.BadInput;
        }

        // The directory is checked and held before anything is written to it (UnusableFileException otherwise).
        using var held = EmbeddedOut.ForRun(result.GetValue(Out)!);
        var paths = held.Paths;
        var (logger, logs) = Logging.Create(paths.Root, result.GetValue(Verbose));
        await using var _ = logger;
        logger.Information("facerep starting: {Spec} in {Root}, process {Pid}, {Versions}", fileName, paths.Root, Environment.ProcessId, Grid.Hosting.GridOptions.DefaultVersions());
        console.MarkupLineInterpolated($"Embedded grid in [bold]{paths.Root}[/] (logs in {logs}).");
        if (held.StateWasEmpty)
        {
            console.MarkupLineInterpolated($"[yellow]{paths.State} was empty (0 bytes):[/] the grid's job states are rebuilt; jobs whose results are in {Path.GetFileName(paths.Results)} are found again, the rest run again.");
            logger.Information("{State} was empty: job states are rebuilt from the result store", paths.State);
        }

        EmbeddedGrid embedded;
        try
        {
            embedded = await EmbeddedGrid.StartAsync(paths, services => services.AddSerilog(logger, dispose: false), options =>
            {
                options.CpuSlots = slots;
                options.ThreadsPerSlot = threads;
                options.NumericTolerance = tolerance;
                // A --data directory that does not exist holds no set: nothing to offer, nothing to report.
                options.DatasetRoots = Directory.Exists(dataRoot) ? dataRoot : null;
                // On one's own machine, files a spec names may come from where it is run, or from FACEREP_IMPORT_ROOTS.
                options.ImportRoots = Environment.GetEnvironmentVariable("FACEREP_IMPORT_ROOTS") is { Length: > 0 } roots ? roots : Environment.CurrentDirectory;
            }, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.Fatal(e, "The embedded silo did not start");
            console.MarkupLineInterpolated($"[red]The embedded silo did not start:[/] {e.Message}");
            return ExitCodes.Unreachable;
        }

        await using (embedded)
        {
            var runner = new SweepRunner(embedded.Client, embedded.Results, console);
            try
            {
                return await runner.RunAsync(plan, Path.Combine(paths.Root, "reports"), result.GetValue(RetryFailed), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return await StopAsync(embedded, grid.Spec.Name, paths, console, logger);
            }
        }
    }

    /// <summary>A run stopped by Ctrl-C or SIGTERM: no job starts, running ones stop and go back to the queue, what finished is kept.</summary>
    private static async Task<int> StopAsync(EmbeddedGrid embedded, string sweep, EmbeddedPaths paths, IAnsiConsole console, Serilog.ILogger logger)
    {
        console.MarkupLine("[yellow]Stopping:[/] no new job starts; running jobs stop at their next step (Ctrl-C again exits at once).");
        logger.Information("Stop requested: draining");
        await embedded.DrainAsync(CancellationToken.None);
        var s = await embedded.Client.GetGrain<Grid.Abstractions.ISweepGrain>(sweep).GetStatusAsync();
        var left = s.Total - s.Succeeded - s.Failed;
        console.MarkupLineInterpolated(
            $"Stopped sweep [bold]{sweep}[/]: {s.Succeeded} of {s.Total} jobs done, {s.Failed} failed, {left} not finished (they run when you go on). What finished is kept in {paths.Root}; to go on, run the same command again.");
        logger.Information("Stopped: {Succeeded} of {Total} done, {Failed} failed, {Left} not finished", s.Succeeded, s.Total, s.Failed, left);
        return ExitCodes.Interrupted;
    }
}
