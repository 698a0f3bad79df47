using System.CommandLine;
using FaceRep.Core.Experiments;
using FaceRep.Core.Metrics;
using FaceRep.Core.Specs;
using FaceRep.Data.ImageSets;
using FaceRep.Grid.Hosting;
using FaceRep.Grid.Planning;
using FaceRep.Grid.Workers;
using FaceRep.Results.Store;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary>
/// <c>facerep plan SPEC</c>: what a sweep will cost before it runs. Jobs per stage and how many are
/// already done (in the result store of <c>--out</c> or <c>--postgres</c>), the imported data each
/// silo that pre-trains on it needs, and device-hours estimated from the step times measured by
/// earlier runs of the same backbone shape (and method, or task and protocol) on the device kind.
/// A job whose shape nothing measured is counted apart, never guessed.
/// </summary>
public static class PlanCommand
{
    /// <summary>The <c>plan</c> verb.</summary>
    public static Command Create()
    {
        var spec = new Argument<string>("spec") { Description = "The sweep spec (YAML)." };
        var data = new Option<string>("--data") { Description = "Directory of imported datasets the spec names.", DefaultValueFactory = _ => "data" };
        var kind = new Option<string?>("--device-kind") { Description = "Estimate for cpu or gpu devices (default: the spec's placement per stage, else measurements on any)." };
        var store = new StoreOptions();
        var command = new Command("plan", "Say what a sweep will cost before it runs: jobs per stage, jobs already done, data per silo, estimated device-hours.")
        {
            spec, data, kind, store.Out, store.Postgres,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            var path = result.GetValue(spec)!;
            var deviceKind = result.GetValue(kind);
            if (deviceKind is not (null or DeviceKinds.Cpu or DeviceKinds.Gpu))
            {
                console.MarkupLineInterpolated($"[red]error:[/] --device-kind: '{deviceKind}' is not cpu or gpu");
                return ExitCodes.BadInput;
            }

            var datasets = DatasetCatalog.Open([Path.GetFullPath(result.GetValue(data)!)]);
            SweepPlan plan;
            try
            {
                plan = SweepPlanner.Plan(new SweepSpecParser().ReadFile(path), Path.GetFileName(path), datasets);
            }
            catch (SpecException e)
            {
                return Commands.ReportSpecErrors(console, e);
            }

            // Measurements and finished jobs come from a store when there is one; a first plan has neither.
            var history = History.Empty;
            var paths = new EmbeddedPaths(Path.GetFullPath(result.GetValue(store.Out)!));
            var postgres = result.GetValue(store.Postgres) ?? Environment.GetEnvironmentVariable("FACEREP_POSTGRES");
            if (!string.IsNullOrWhiteSpace(postgres) || File.Exists(paths.Results) || File.Exists(paths.ResultsOutbox))
            {
                var (read, exit) = await store.ReadAsync(result, console, async s => new History(await s.ReadAsync(null, cancellationToken), await s.ReadCurvesAsync(null, cancellationToken)), cancellationToken);
                if (read is null)
                    return exit;
                history = read;
            }

            Print(console, plan, datasets, history, deviceKind, paths.Artifacts);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>What earlier runs left: result rows and curves.</summary>
    internal sealed record History(IReadOnlyList<ResultRow> Rows, IReadOnlyList<JobCurve> Curves)
    {
        public static History Empty { get; } = new([], []);
    }

    /// <summary>One stage's estimate.</summary>
    internal sealed record StageCost(string Stage, int Jobs, int Done, double Hours, int Unmeasured, IReadOnlyList<string> UnmeasuredShapes);

    internal static void Print(IAnsiConsole console, SweepPlan plan, DatasetCatalog datasets, History history, string? deviceKind, string artifacts)
    {
        var grid = plan.Grid;
        var placement = grid.Spec.Placement;
        var pretrainKind = deviceKind ?? placement.For(pretrain: true);
        var evaluateKind = deviceKind ?? placement.For(pretrain: false);
        var stages = new List<StageCost>
        {
            Pretraining(grid, history, pretrainKind, artifacts),
            Evaluations(grid, history, evaluateKind, ceiling: false),
        };
        if (grid.Evaluations.Any(e => e.Config.Protocol == KnownNames.CeilingProtocol))
            stages.Add(Evaluations(grid, history, evaluateKind, ceiling: true));

        console.MarkupLineInterpolated($"Sweep [bold]{grid.Spec.Name}[/]: {grid.Pretrain.Count} pre-training and {grid.Evaluations.Count} evaluation jobs.");
        var table = new Table().AddColumn("stage").AddColumn(new TableColumn("jobs").RightAligned()).AddColumn(new TableColumn("done").RightAligned())
            .AddColumn(new TableColumn("to run").RightAligned()).AddColumn(new TableColumn("device time (measured shapes)").RightAligned()).AddColumn("not measured");
        foreach (var s in stages)
        {
            table.AddRow(s.Stage, $"{s.Jobs:N0}", $"{s.Done:N0}", $"{s.Jobs - s.Done:N0}", Duration(s.Hours),
                Markup.Escape(s.Unmeasured == 0 ? "—" : $"{s.Unmeasured:N0} job(s): {string.Join("; ", s.UnmeasuredShapes)}"));
        }

        console.Write(table);
        var kinds = $"pre-training on {pretrainKind ?? "any"} devices, evaluation on {evaluateKind ?? "any"}";
        var total = stages.Sum(s => s.Hours);
        var unmeasured = stages.Sum(s => s.Unmeasured);
        console.MarkupLineInterpolated($"Estimated {Duration(total)} of device time ({kinds}) from the step times earlier runs measured{(unmeasured > 0 ? $"; {unmeasured:N0} job(s) of shapes nothing measured yet are not in it (run a small sweep of that shape first)" : "")}.");

        // Data: every silo that runs a pre-training job on an imported set, or an evaluation on a benchmark, needs a copy of it.
        var needed = grid.Pretrain.Where(p => p.Config.IsImportedDataset)
            .SelectMany(p => p.Config.DatasetContent!.Split('+'))
            .Distinct()
            .Select(content => datasets.FindByContent(content))
            .Where(e => e is not null)
            .Select(e => (e!.Name, Kind: e.Manifest.Kind.ToString().ToLowerInvariant(), Count: e.Manifest.Count, Bytes: e.Manifest.Shards.Sum(s => s.Bytes) + e.Manifest.Index.Bytes, e.Manifest.ShortContent, e.Directory))
            .ToList();
        needed.AddRange(grid.Evaluations.Where(e => e.Config.OnBenchmark).Select(e => e.Config.BenchmarkContent!).Distinct()
            .Select(content => datasets.FindBenchmarkByContent(content))
            .Where(b => b is not null)
            .Select(b => (b!.Name, Kind: $"{b.Manifest.Kind} benchmark", b.Manifest.Count, Bytes: b.Manifest.Shards.Sum(s => s.Bytes), b.Manifest.ShortContent, b.Directory)));
        if (needed.Count == 0)
        {
            console.MarkupLine("Data: SynthFace only (generated where it runs; nothing to copy).");
            return;
        }

        var data = new Table().AddColumn("dataset").AddColumn("kind").AddColumn(new TableColumn("images").RightAligned()).AddColumn(new TableColumn("size").RightAligned()).AddColumn("content").AddColumn("here");
        foreach (var entry in needed)
            data.AddRow(Markup.Escape(entry.Name), Markup.Escape(entry.Kind), $"{entry.Count:N0}", Bytes(entry.Bytes), entry.ShortContent, Markup.Escape(entry.Directory));

        console.Write(data);
        console.MarkupLineInterpolated($"Each silo that pre-trains or evaluates on these needs its own copy under its DatasetRoots: {Bytes(needed.Sum(e => e.Bytes))} for all of them.");
    }

    private static StageCost Pretraining(GridExpansion grid, History history, string? kind, string artifacts)
    {
        var done = new HashSet<string>(history.Rows.Select(r => r.PretrainId), StringComparer.Ordinal);
        var finished = history.Curves.Where(c => c.Points.Any(p => p.Phase == CurvePhases.Pretrain && p.Step >= p.TotalSteps)).Select(c => c.JobId);
        done.UnionWith(finished);
        // What each measured pre-training job was: its rows say (its evaluations carry its shape and method).
        var shapes = history.Rows.GroupBy(r => r.PretrainId).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var rates = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var curve in history.Curves)
        {
            if (!shapes.TryGetValue(curve.JobId, out var row) || (kind is not null && DeviceKinds.Of(row.Device) != kind))
                continue;
            var key = Key(row.Backbone, row.Width, row.Input, row.PretrainMethod);
            foreach (var p in curve.Points.Where(p => p.Phase == CurvePhases.Pretrain && p.ImagesPerSecond is > 0))
            {
                if (!rates.TryGetValue(key, out var list))
                    rates[key] = list = [];
                list.Add(p.ImagesPerSecond!.Value);
            }
        }

        double hours = 0;
        var unmeasured = new SortedSet<string>(StringComparer.Ordinal);
        var missing = 0;
        var doneCount = 0;
        foreach (var config in grid.Pretrain.Select(p => p.Config))
        {
            // Scratch and import train nothing: done as soon as they are planned.
            if (config.NeedsNoTraining || done.Contains(config.Id) || Training.Checkpoints.CheckpointStore.Exists(artifacts, config.Id))
            {
                doneCount++;
                continue;
            }

            var key = Key(config.Backbone.Arch, config.Backbone.Width, config.Backbone.Input, config.Method);
            if (rates.TryGetValue(key, out var measured))
            {
                hours += (double)config.Images * config.Epochs / Median(measured) * config.Devices / 3600;
            }
            else
            {
                unmeasured.Add(key);
                missing++;
            }
        }

        return new StageCost("pre-training", grid.Pretrain.Count, doneCount, hours, missing, [.. unmeasured]);
    }

    private static StageCost Evaluations(GridExpansion grid, History history, string? kind, bool ceiling)
    {
        var jobs = grid.Evaluations.Where(e => (e.Config.Protocol == KnownNames.CeilingProtocol) == ceiling).ToList();
        var done = new HashSet<string>(history.Rows.Select(r => r.JobId), StringComparer.Ordinal);
        var steps = history.Curves.ToDictionary(c => c.JobId, c => c.Points.Where(p => p.Phase == CurvePhases.Head).Select(p => p.TotalSteps).DefaultIfEmpty(0).Max(), StringComparer.Ordinal);
        var perStep = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var row in history.Rows)
        {
            if ((kind is not null && DeviceKinds.Of(row.Device) != kind) || !steps.TryGetValue(row.JobId, out var n) || n <= 0)
                continue;
            // By scope: a benchmark's job also reads its faces, and a cross-validated one trains once per fold.
            var key = Key(row.Backbone, row.Width, row.Input, $"{row.Scope} {row.Protocol}");
            if (!perStep.TryGetValue(key, out var list))
                perStep[key] = list = [];
            list.Add(row.DurationSeconds / n);
        }

        double hours = 0;
        var unmeasured = new SortedSet<string>(StringComparer.Ordinal);
        var missing = 0;
        foreach (var job in jobs.Where(j => !done.Contains(j.Config.Id)))
        {
            var c = job.Config;
            var key = Key(c.Pretrain.Backbone.Arch, c.Pretrain.Backbone.Width, c.Pretrain.Backbone.Input, $"{TaskScopes.Of(c.Task, c.Benchmark, c.BenchmarkKind)} {c.Protocol}");
            if (perStep.TryGetValue(key, out var measured))
            {
                hours += Median(measured) * c.Steps / 3600;
            }
            else
            {
                unmeasured.Add(key);
                missing++;
            }
        }

        return new StageCost(ceiling ? "ceiling" : "evaluation", jobs.Count, jobs.Count(j => done.Contains(j.Config.Id)), hours, missing, [.. unmeasured]);
    }

    private static string Key(string arch, double width, int input, string what) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{arch} ×{width} {input} px {what}");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Duration(double hours) => hours < 1
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{hours * 60:N1} device-minutes")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{hours:N2} device-hours");

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):N1} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):N1} MiB",
        _ => $"{bytes / 1024.0:N1} KiB",
    };
}
