using System.Globalization;
using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Data.ImageSets;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Workers;
using FaceRep.Training.Backbones;
using FaceRep.Training.Methods;
using FaceRep.Training.Runs;

namespace FaceRep.Grid.Planning;

/// <summary>
/// A sweep from its spec to what the grid runs, in one place: parse (syntax, fields, sizes), check
/// that this build has what it names (backbone, methods, datasets, tasks: the registries are the
/// lists), expand the grid, have each method check its own options, check placement against the
/// devices there are, and build the submission. The console, the benchmarks and the tests plan
/// through it; the sweep grain checks a submission again with <see cref="Validate"/>, since a
/// cluster does not trust its clients.
/// </summary>
public static class SweepPlanner
{
    /// <summary>Plans a spec.</summary>
    /// <param name="specText">The spec's YAML.</param>
    /// <param name="fileName">How errors name the spec's file.</param>
    /// <param name="datasets">The imported sets a spec may name (by their directory's name); none when null.</param>
    /// <exception cref="SpecException">Every problem found, each naming the file, line and field where known.</exception>
    public static SweepPlan Plan(string specText, string fileName = "spec.yaml", DatasetCatalog? datasets = null)
    {
        datasets ??= DatasetCatalog.Empty;
        var parsed = new SweepSpecParser(
                checkDataset: name => datasets.Find(name) is null ? KnownNames.UnknownDataset(name, datasets.Describe()) : null,
                checkBenchmark: name => datasets.FindBenchmark(name) is null ? KnownNames.UnknownBenchmark(name, datasets.DescribeBenchmarks()) : null)
            .Parse(specText, fileName);
        var errors = new List<SpecError>();
        var spec = parsed with
        {
            Pretrain = parsed.Pretrain.Select(p => Resolve(p, datasets, fileName, errors)).ToList(),
            Benchmarks = parsed.Benchmarks.Select(b => Resolve(b, datasets, fileName, errors)).ToList(),
        };
        void Unavailable(string field, string what, string value, IEnumerable<string> available) =>
            errors.Add(new SpecError(fileName, 0, 0, field, $"{what} '{value}' is not available in this build yet; available: {string.Join(", ", available)}"));

        if (!BackboneRegistry.Names.Contains(spec.Backbone.Arch))
            Unavailable("backbone.arch", "architecture", spec.Backbone.Arch, BackboneRegistry.Names);
        foreach (var method in spec.Pretrain.Select(p => p.Method).Distinct().Where(m => !PretrainMethods.IsAvailable(m)))
            Unavailable("pretrain", "method", method, PretrainMethods.Available);
        foreach (var dataset in spec.Pretrain.Where(p => !KnownNames.NeedsNoTraining(p.Method) && p.DatasetContent is null).Select(p => p.Dataset).Distinct().Where(d => !SynthFaceCatalog.IsKnown(d)))
            Unavailable("pretrain", "dataset", dataset, SynthFaceCatalog.PretrainDatasets);
        foreach (var task in spec.Tasks.Concat(spec.Benchmarks.Select(b => b.Task)).Distinct().Where(t => !JobRunner.AvailableTasks.Contains(t)))
            Unavailable("tasks", "task", task, JobRunner.AvailableTasks);
        if (errors.Count > 0)
            throw new SpecException(errors);

        // Each method checks its own settings and options, so a bad one is refused before anything runs.
        var grid = GridExpander.Expand(spec);
        foreach (var job in grid.Pretrain)
        {
            foreach (var problem in PretrainMethods.Get(job.Config.Method).Validate(job.Config))
                errors.Add(new SpecError(fileName, 0, 0, $"pretrain ({job.Config.Label})", problem));
        }

        if (errors.Count > 0)
            throw new SpecException(errors);
        return new SweepPlan(specText, fileName, grid);
    }

    /// <summary>
    /// What keeps a plan from running on a grid whose only devices are <paramref name="devices"/>
    /// (one machine's, for an embedded run): a stage placed on a kind of device it lacks, or a
    /// pre-training job wanting more devices at once than it has. Each problem is one sentence
    /// naming the spec's field; empty when the plan fits.
    /// </summary>
    public static IReadOnlyList<string> CheckPlacement(SweepPlan plan, IReadOnlyCollection<string> devices, string where = "this machine's grid")
    {
        var problems = new List<string>();
        var placement = plan.Grid.Spec.Placement;
        foreach (var (stage, kind) in new[] { ("pretrain", placement.Pretrain), ("evaluate", placement.Evaluate) })
        {
            if (kind != PlacementSpec.Any && !devices.Any(d => DeviceKinds.Of(d) == kind))
                problems.Add($"{plan.FileName}: placement.{stage}: {kind}, but {where} has no {kind} device ({string.Join(", ", devices)}); its jobs would wait for ever. Remove the placement or submit the sweep to a cluster that has one");
        }

        if (plan.Grid.Pretrain.FirstOrDefault(p => p.Config.Devices > devices.Count) is { } tooBig)
            problems.Add($"{plan.FileName}: pretrain ({tooBig.Config.Label}).devices: {tooBig.Config.Devices} is more than the {devices.Count} device(s) {where} has; lower it or raise --slots");
        return problems;
    }

    /// <summary>
    /// Checks a submission as the sweep grain receives it, whoever built it: its size against the
    /// cluster's limit; every job's configuration readable, hashing to its id and of its kind;
    /// every method, dataset and task one this build has, with valid options; every evaluation
    /// waiting on a pre-training job of the same submission. The first problem, or null.
    /// </summary>
    public static string? Validate(SweepSubmission submission, int maxJobs)
    {
        if (submission.Jobs.Count == 0)
            return "the sweep has no jobs";
        if (submission.Jobs.Count > maxJobs)
            return string.Create(CultureInfo.InvariantCulture, $"the sweep has {submission.Jobs.Count:N0} jobs; this cluster takes at most {maxJobs:N0} per sweep (MaxSweepJobs)");

        var pretrain = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in submission.Jobs.Where(j => j.Kind == JobKind.Pretrain))
        {
            if (Read(job, out var problem) is not PretrainConfig config)
                return problem ?? $"job {job.Id} is marked pre-training but its configuration is not";
            if (job.DependsOn is not null)
                return $"pre-training job {job.Id} waits for {job.DependsOn}; pre-training jobs wait for nothing";
            if (!PretrainMethods.IsAvailable(config.Method))
                return $"job {job.Id}: method '{config.Method}' is not available here; available: {string.Join(", ", PretrainMethods.Available)}";
            if (!KnownNames.NeedsNoTraining(config.Method) && !config.IsImportedDataset && (config.Dataset is null || !SynthFaceCatalog.IsKnown(config.Dataset)))
                return $"job {job.Id}: dataset '{config.Dataset}' is not available here; available: {string.Join(", ", SynthFaceCatalog.PretrainDatasets)}";
            if (PretrainMethods.Get(config.Method).Validate(config).FirstOrDefault() is { } invalid)
                return $"job {job.Id} ({config.Label}): {invalid}";
            pretrain.Add(job.Id);
        }

        foreach (var job in submission.Jobs.Where(j => j.Kind != JobKind.Pretrain))
        {
            if (Read(job, out var problem) is not EvaluateConfig config)
                return problem ?? $"job {job.Id} is marked an evaluation but its configuration is not";
            if (job.DependsOn != config.Pretrain.Id || !pretrain.Contains(config.Pretrain.Id))
                return $"evaluation {job.Id} must wait for its pre-training job {config.Pretrain.Id}, submitted in the same sweep";
            if (!JobRunner.AvailableTasks.Contains(config.Task))
                return $"job {job.Id}: task '{config.Task}' is not available here; available: {string.Join(", ", JobRunner.AvailableTasks)}";
        }

        return null;
    }

    /// <summary>
    /// An entry naming an imported set, with the set's content hash and its size where the entry takes
    /// it whole; a subset larger than the set, or a supervised entry on a set without identities, is an error.
    /// </summary>
    /// <summary>A benchmark task with its benchmark's content and kind; the benchmark must measure the task.</summary>
    private static BenchmarkTaskSpec Resolve(BenchmarkTaskSpec entry, DatasetCatalog datasets, string fileName, List<SpecError> errors)
    {
        if (datasets.FindBenchmark(entry.Benchmark) is not { } found)
            return entry;
        if (found.Manifest.Task != entry.Task)
        {
            errors.Add(new SpecError(fileName, 0, 0, $"tasks ({entry.Task} on {entry.Benchmark})",
                $"'{entry.Benchmark}' is the {found.Manifest.Kind} benchmark, which measures {found.Manifest.Task}, not {entry.Task}"));
        }

        return entry with { Content = found.Manifest.Content, Kind = found.Manifest.Kind };
    }

    private static PretrainSpec Resolve(PretrainSpec entry, DatasetCatalog datasets, string fileName, List<SpecError> errors)
    {
        if (KnownNames.NeedsNoTraining(entry.Method) || KnownNames.IsSynthDataset(entry.Dataset))
            return entry;
        var parts = entry.Dataset.Split('+').Select(datasets.Find).ToList();
        if (parts.Any(p => p is null))
            return entry;
        var sets = parts.Select(p => p!).ToList();
        var field = $"pretrain ({entry.Dataset}/{entry.Method})";
        var kinds = sets.Select(p => p.Manifest.Kind switch
        {
            ImageSetKind.Identities => "curated",
            ImageSetKind.Video => "video",
            _ => "uncurated",
        }).Distinct().ToList();
        entry = entry with { DatasetContent = string.Join('+', sets.Select(p => p.Manifest.Content)), DatasetKind = kinds.Count == 1 ? kinds[0] : null };
        var available = sets.Sum(p => p.Manifest.Count);
        if (entry.FramesPerClip > 0)
        {
            if (sets.All(p => p.Manifest.Kind != ImageSetKind.Video))
            {
                errors.Add(new SpecError(fileName, 0, 0, $"{field}.frames_per_clip", $"'{entry.Dataset}' has no clips: frames_per_clip thins a video set"));
                return entry;
            }

            try
            {
                available = new ImageUnion(sets.Select(p => ImageSet.Open(p.Directory)).ToList()).ThinClips(entry.FramesPerClip).Length;
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                errors.Add(new SpecError(fileName, 0, 0, field, e.Message));
                return entry;
            }
        }

        var images = entry.Images == PretrainSpec.AllImages ? available : entry.Images;
        if (images > available)
            errors.Add(new SpecError(fileName, 0, 0, $"{field}.images", $"{images:N0} images asked for, but '{entry.Dataset}' has {available:N0}{(entry.FramesPerClip > 0 ? $" at {entry.FramesPerClip} frame(s) per clip" : "")}"));
        if (entry.Method == "supervised" && sets.FirstOrDefault(p => p.Manifest.Kind == ImageSetKind.Images) is { } unlabelled)
            errors.Add(new SpecError(fileName, 0, 0, field, $"supervised pre-training needs identity labels, and '{unlabelled.Name}' ({unlabelled.Directory}) has none"));
        return entry with { Images = images };
    }

    private static JobConfig? Read(JobDescriptor job, out string? problem)
    {
        problem = null;
        JobConfig config;
        try
        {
            config = JobConfig.Parse(job.ConfigJson);
        }
        catch (FormatException e)
        {
            problem = $"job {job.Id} has an unreadable configuration: {e.Message}";
            return null;
        }

        if (config.Id != job.Id)
        {
            problem = $"job {job.Id}'s configuration hashes to {config.Id}; a job's id is the hash of its configuration";
            return null;
        }

        return config;
    }
}

/// <summary>A planned sweep: its spec, and the grid it expands to.</summary>
/// <param name="SpecText">The spec's YAML, as submitted.</param>
/// <param name="FileName">How errors name the spec's file.</param>
/// <param name="Grid">The expanded grid.</param>
public sealed record SweepPlan(string SpecText, string FileName, GridExpansion Grid)
{
    /// <summary>The spec.</summary>
    public SweepSpec Spec => Grid.Spec;

    /// <summary>What the sweep grain is sent: pre-training jobs first, each job with the device kind its stage is placed on.</summary>
    public SweepSubmission Submission() => SweepSubmissions.From(Grid, SpecText);
}
