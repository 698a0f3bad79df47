using System.CommandLine;
using System.Globalization;
using FaceRep.Data;
using FaceRep.Data.Benchmarks;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;
using FaceRep.Data.Preview;
using FaceRep.Data.Shards;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary><c>facerep data …</c>: generate, inspect and measure datasets.</summary>
public static class DataCommands
{
    /// <summary>The <c>data</c> verb and its sub-verbs.</summary>
    public static Command Create()
    {
        var data = new Command("data", "Generate, inspect and measure face datasets.");
        data.Subcommands.Add(Synth());
        data.Subcommands.Add(Inspect());
        data.Subcommands.Add(Redundancy());
        data.Subcommands.Add(Import());
        return data;
    }

    private static Command Synth()
    {
        var flavour = new Option<string?>("--flavour") { Description = "curated, uncurated or video (a pre-training set)." };
        var layout = new Option<string?>("--as") { Description = $"Write a SynthFace task's faces as a benchmark's files in its authors' layout ({string.Join(", ", SynthExport.Formats)}), for 'data import --benchmark'." };
        var testCount = new Option<int?>("--test") { Description = "With --as: faces in the test split (default: the benchmark's proportion of --count)." };
        var count = new Option<int>("--count") { Description = "Images to generate.", DefaultValueFactory = _ => 1000 };
        var output = new Option<string>("--out") { Description = "Directory for the manifest and shards.", Required = true };
        var resolution = new Option<int>("--resolution") { Description = "Image size in pixels.", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var shardSize = new Option<int>("--shard-size") { Description = "Samples per shard.", DefaultValueFactory = _ => 1024 };
        var preview = new Option<string?>("--preview") { Description = "Also write a PNG montage of the first images with their landmarks." };
        var command = new Command("synth", "Generate a SynthFace dataset as a manifest of shards, or a benchmark's files with --as.")
        {
            flavour, layout, testCount, count, output, resolution, seed, shardSize, preview,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(layout) is { } format)
            {
                if (result.GetValue(flavour) is not null)
                    return Fail("--as: a benchmark export holds a task's faces; --flavour names a pre-training set, so give one or the other");
                return ExportSynth(format, result.GetValue(output)!, result.GetValue(count), result.GetValue(testCount), result.GetResult(resolution) is { Implicit: false } ? result.GetValue(resolution) : 128, result.GetValue(seed));
            }

            if (result.GetValue(flavour) is not { } name)
                return Fail("--flavour: give the set to generate (curated, uncurated or video), or --as FORMAT for a benchmark's files");
            var known = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["curated"] = SynthFaceCatalog.Curated,
                ["uncurated"] = SynthFaceCatalog.Uncurated,
                ["video"] = SynthFaceCatalog.Video,
            };
            if (!known.TryGetValue(name, out var dataset))
                return Fail($"--flavour: unknown flavour '{name}'; known: curated, uncurated, video");
            if (result.GetValue(count) < 1)
                return Fail($"--count: {result.GetValue(count)} is not a positive number of images");
            if (result.GetValue(shardSize) < 1)
                return Fail($"--shard-size: {result.GetValue(shardSize)} is not a positive number of samples");

            IFaceDataset source;
            try
            {
                source = SynthFaceCatalog.OpenPretrain(dataset, result.GetValue(count), result.GetValue(resolution), result.GetValue(seed));
            }
            catch (ArgumentException e)
            {
                return Fail(e.Message);
            }

            var directory = Path.GetFullPath(result.GetValue(output)!);
            if (ShardStore.ReadManifest(directory) is not null)
                return Fail($"--out: {directory} already holds a dataset; choose another directory or remove it");

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var manifest = ShardStore.Write(source, directory, $"synthface:{name}:seed={result.GetValue(seed)}", result.GetValue(shardSize));
            AnsiConsole.MarkupLineInterpolated(
                $"Wrote {manifest.Count:N0} {name} images ({manifest.Resolution}×{manifest.Resolution}) in {manifest.Shards.Count} shard(s) to {directory} in {clock.Elapsed.TotalSeconds:F1} s.");
            if (result.GetValue(preview) is { } png)
            {
                Montage.WritePng(source, png);
                AnsiConsole.MarkupLineInterpolated($"Preview: {Path.GetFullPath(png)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static int ExportSynth(string format, string output, int count, int? test, int resolution, int seed)
    {
        if (!SynthExport.Formats.Contains(format))
            return Fail($"--as: SynthFace cannot be written as '{format}'; it can be as {string.Join(", ", SynthExport.Formats)}");
        var folds = SynthExport.HasFolds(format);
        if (folds && test is not null)
            return Fail($"--test: {format} has no test split; its folds each test a third of its subjects");
        var tests = test ?? SynthExport.DefaultTestCount(format, count);
        if (folds && count < 27)
            return Fail($"--count {count}: {format} needs at least one face for each of its 27 subjects");
        if (!folds && (count < 2 || tests < 1 || tests >= count))
            return Fail($"--count {count} and --test {tests}: both splits need at least one face (the test split is part of the count)");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        SynthExportSummary summary;
        try
        {
            summary = SynthExport.Export(format, output, count - tests, tests, resolution, seed);
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message);
        }
        catch (IOException e)
        {
            return Fail($"--out: {e.Message}");
        }

        var faces = folds
            ? $"{summary.Faces[BenchmarkSplits.Train]:N0} SynthFace faces of 27 subjects in three cross-validation folds"
            : $"{summary.Faces[BenchmarkSplits.Train]:N0} training and {summary.Faces[BenchmarkSplits.Test]:N0} test SynthFace faces";
        AnsiConsole.MarkupLineInterpolated(
            $"Wrote {faces} as {format} ({summary.Files:N0} files, faces {resolution}×{resolution}) to {summary.Directory} in {clock.Elapsed.TotalSeconds:F1} s.");
        AnsiConsole.MarkupLineInterpolated($"Import it with: facerep data import {summary.Directory} --benchmark {format} --out DATA/NAME");
        return ExitCodes.Ok;
    }

    /// <summary>What a benchmark's subsets are: its official test subsets, or the folds that test its faces.</summary>
    private static string SubsetsLabel(BenchmarkManifest m) => BenchmarkKinds.Find(m.Kind) is { Folds.Count: > 0 } ? "cross-validation folds" : "test subsets";

    private static Command Inspect()
    {
        var path = new Argument<string>("path") { Description = "A dataset directory (manifest of shards) or a file or folder in a supported format." };
        var command = new Command("inspect", "Detect a dataset's format and report its size, label coverage and corrupt samples.") { path };
        command.SetAction(result =>
        {
            var target = result.GetValue(path)!;
            if (!File.Exists(target) && !Directory.Exists(target))
                return Fail($"{target}: no such file or directory");
            if (Directory.Exists(target) && ShardStore.ReadManifest(target) is { } manifest)
            {
                var skips = new List<string>();
                var dataset = ShardStore.Open(target, skips.Add);
                var withLandmarks = 0;
                var withIdentity = 0;
                for (var i = 0; i < dataset.Count; i++)
                {
                    var s = dataset.Get(i);
                    if (s.Landmarks.Any(v => v != 0))
                        withLandmarks++;
                    if (s.Identity >= 0)
                        withIdentity++;
                }

                var table = new Table().AddColumn("field").AddColumn("value");
                table.AddRow("format", "FaceRep shards (manifest.json)");
                table.AddRow("name", Markup.Escape(manifest.Name));
                table.AddRow("source", Markup.Escape(manifest.Source));
                table.AddRow("resolution", $"{manifest.Resolution}×{manifest.Resolution}");
                table.AddRow("shards", manifest.Shards.Count.ToString(CultureInfo.InvariantCulture));
                table.AddRow("samples", $"{dataset.Count:N0} readable of {manifest.Count:N0}");
                table.AddRow("with landmarks", $"{withLandmarks:N0}");
                table.AddRow("with identity", $"{withIdentity:N0}");
                table.AddRow("corrupt (skipped)", $"{dataset.Skipped:N0}");
                AnsiConsole.Write(table);
                foreach (var skip in skips.Take(10))
                    AnsiConsole.MarkupLineInterpolated($"[yellow]skipped:[/] {skip}");
                return dataset.Skipped > 0 ? ExitCodes.JobFailures : ExitCodes.Ok;
            }

            if (Directory.Exists(target) && Benchmark.IsBenchmark(target))
                return InspectBenchmark(target);
            return InspectOtherFormat(target);
        });
        return command;
    }

    /// <summary>Describes an imported benchmark, reading every shard so that damage shows.</summary>
    private static int InspectBenchmark(string target)
    {
        Benchmark benchmark;
        IReadOnlyList<BenchmarkItem> items;
        try
        {
            benchmark = Benchmark.Open(target);
            items = benchmark.ReadAll();
        }
        catch (InvalidDataException e)
        {
            return Fail(e.Message);
        }

        var m = benchmark.Manifest;
        var table = new Table().AddColumn("field").AddColumn("value");
        table.AddRow("format", $"FaceRep benchmark ({Benchmark.ManifestFile})");
        table.AddRow("benchmark", Markup.Escape($"{m.Kind} ({m.Task})"));
        table.AddRow("name", Markup.Escape(m.Name));
        table.AddRow("source", Markup.Escape(m.Source));
        table.AddRow("crops", Markup.Escape($"{m.Size}×{m.Size}, {m.CropRule}"));
        table.AddRow("faces", Markup.Escape(string.Join(", ", m.Splits.Select(s => $"{s.Value:N0} {s.Key}"))));
        if (m.Subsets.Count > 0)
            table.AddRow(SubsetsLabel(m), Markup.Escape(string.Join(", ", m.Subsets.Select(s => $"{s.Key} {s.Value:N0}"))));
        if (m.Points > 0)
            table.AddRow("points", $"{m.Points} ({m.Dimensions}-D)");
        var subjects = items.Where(i => i.Subject >= 0).Select(i => i.Subject).Distinct().Count();
        if (subjects > 0)
            table.AddRow("subjects", $"{subjects:N0}");
        table.AddRow("skipped at import", $"{m.Skipped.Count:N0}");
        table.AddRow("content", m.ShortContent);
        AnsiConsole.Write(table);
        foreach (var skip in m.Skipped.Take(10))
            AnsiConsole.MarkupLineInterpolated($"[yellow]skipped:[/] {skip.Item}: {skip.Reason}");
        return ExitCodes.Ok;
    }

    private static Command Redundancy()
    {
        var path = new Argument<string>("path") { Description = "A dataset directory: a SynthFace set or an imported image set." };
        var threshold = new Option<int>("--threshold")
        {
            Description = $"Hamming distance of 64-bit perceptual hashes at or below which two images are near-duplicates (0–{Data.Quality.Redundancy.MaxThreshold}).",
            DefaultValueFactory = _ => 6,
        };
        var command = new Command("redundancy", "Report the near-duplicate rate of a dataset, per shard.") { path, threshold };
        command.SetAction(result =>
        {
            var target = result.GetValue(path)!;
            var bits = result.GetValue(threshold);
            if (bits is < 0 or > Data.Quality.Redundancy.MaxThreshold)
                return Fail($"--threshold: {bits} is outside 0–{Data.Quality.Redundancy.MaxThreshold}");
            var skips = new List<string>();
            Data.Quality.RedundancyReport report;
            if (Directory.Exists(target) && ImageSet.IsImageSet(target))
            {
                try
                {
                    report = Data.Quality.Redundancy.Measure(ImageSet.Open(target), bits);
                }
                catch (InvalidDataException e)
                {
                    return Fail(e.Message);
                }
            }
            else
            {
                if (!Directory.Exists(target) || ShardStore.ReadManifest(target) is null)
                    return Fail($"{target}: not a dataset directory (no {ShardStore.ManifestFile} or {ImageSet.ManifestFile}); write one with 'facerep data synth' or 'facerep data import' first");
                var dataset = ShardStore.Open(target, skips.Add);
                var shardOf = new string[dataset.Count];
                var k = 0;
                foreach (var shard in dataset.Manifest.Shards)
                {
                    for (var i = 0; i < shard.Count && k < shardOf.Length; i++)
                        shardOf[k++] = shard.File;
                }

                report = Data.Quality.Redundancy.Measure(dataset, i => shardOf[i] ?? "?", bits);
            }

            var table = new Table().AddColumn("shard").AddColumn(new TableColumn("samples").RightAligned())
                .AddColumn(new TableColumn("near-duplicates").RightAligned()).AddColumn(new TableColumn("rate").RightAligned());
            foreach (var part in report.Parts)
                table.AddRow(Markup.Escape(part.Part), $"{part.Samples:N0}", $"{part.NearDuplicates:N0}", $"{part.Rate:P1}");
            table.AddRow("[bold]all[/]", $"{report.Samples:N0}", $"{report.NearDuplicates:N0}", $"[bold]{report.Rate:P1}[/]");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"Near-duplicate: another image's 64-bit perceptual hash within {bits} bits.");
            foreach (var skip in skips.Take(10))
                AnsiConsole.MarkupLineInterpolated($"[yellow]skipped:[/] {skip}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Import()
    {
        var path = new Argument<string>("source") { Description = "Identity folders (VGGFace2), a folder of images, video frames (identity/clip/frame) or an HDF5 file of encoded images." };
        var output = new Option<string>("--out") { Description = "The set's directory, ROOT/NAME: specs name it 'dataset: NAME' with --data ROOT.", Required = true };
        var format = new Option<string>("--format") { Description = "auto, identities, images, video or hdf5.", DefaultValueFactory = _ => "auto" };
        var boxes = new Option<string?>("--boxes") { Description = "VGGFace2 loose_bb_*.csv: crop each identity-folder image to its box (needs --size)." };
        var margin = new Option<double>("--margin") { Description = "Margin around each box, a fraction of its longer side on each side.", DefaultValueFactory = _ => ImageSources.DefaultMargin };
        var size = new Option<int?>("--size") { Description = "Re-encode every image at this size (JPEG); without it the source bytes are kept." };
        var quality = new Option<int>("--quality") { Description = "JPEG quality when re-encoding.", DefaultValueFactory = _ => 90 };
        var shardSize = new Option<int>("--shard-size") { Description = "Images per shard.", DefaultValueFactory = _ => 1024 };
        var threads = new Option<int>("--threads") { Description = "Images read at once (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var benchmark = new Option<string?>("--benchmark") { Description = $"Import SOURCE as this benchmark, as its authors distribute it ({string.Join(", ", BenchmarkKinds.Names)}): face crops by its community's rule, its official split and subsets." };
        var command = new Command("import", "Import an image set into checksummed shards of encoded images, or a benchmark with --benchmark; unreadable images are skipped and named; an interrupted image-set import resumes.")
        {
            path, output, format, boxes, margin, size, quality, shardSize, threads, benchmark,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var source = result.GetValue(path)!;
            var directory = Path.GetFullPath(result.GetValue(output)!);
            if (!File.Exists(source) && !Directory.Exists(source))
                return Task.FromResult(Fail($"{source}: no such file or directory"));
            var formatName = result.GetValue(format)!;
            if (!Enum.TryParse<ImageSourceLayout>(formatName, ignoreCase: true, out var layout) || int.TryParse(formatName, out _))
                return Task.FromResult(Fail($"--format: unknown format '{formatName}'; known: auto, identities, images, video, hdf5"));
            var name = Path.GetFileName(directory);
            if (!Core.Specs.KnownNames.IsImportedDatasetName(name))
                return Task.FromResult(Fail($"--out: '{name}' cannot name a dataset in a spec: use 1–64 lower-case letters, digits, '.', '_' or '-' (not a SynthFace name)"));
            if (result.GetValue(benchmark) is { } benchmarkName)
            {
                if (BenchmarkKinds.Find(benchmarkName) is not { } kind)
                    return Task.FromResult(Fail($"--benchmark: there is no benchmark '{benchmarkName}'; the benchmarks are {string.Join(", ", BenchmarkKinds.Names)}"));
                if (result.GetResult(format) is { Implicit: false } || result.GetResult(boxes) is { Implicit: false })
                    return Task.FromResult(Fail("--benchmark: a benchmark's layout and crops are its own; --format and --boxes do not apply"));
                var benchmarkOptions = new BenchmarkImportOptions
                {
                    Size = result.GetValue(size),
                    Quality = result.GetValue(quality),
                    ShardSize = result.GetValue(shardSize),
                    Threads = result.GetValue(threads),
                };
                if (benchmarkOptions.Problems() is { Count: > 0 } wrong)
                    return Task.FromResult(Fail(string.Join("; ", wrong)));
                return Task.FromResult(RunBenchmarkImport(kind, source, directory, benchmarkOptions, cancellationToken));
            }

            var options = new ImageImportOptions
            {
                Layout = layout,
                Boxes = result.GetValue(boxes),
                Margin = result.GetValue(margin),
                Size = result.GetValue(size),
                Quality = result.GetValue(quality),
                ShardSize = result.GetValue(shardSize),
                Threads = result.GetValue(threads),
            };
            if (options.Problems() is { Count: > 0 } problems)
            {
                foreach (var problem in problems)
                    AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {problem}");
                return Task.FromResult(ExitCodes.BadInput);
            }

            return Task.FromResult(RunImport(source, directory, options, cancellationToken));
        });
        return command;
    }

    private static int RunBenchmarkImport(BenchmarkKind kind, string source, string directory, BenchmarkImportOptions options, CancellationToken cancellationToken)
    {
        BenchmarkManifest m;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            m = WithProgress("faces", progress => BenchmarkImport.Run(kind, source, directory, options, progress, cancellationToken));
        }
        catch (BenchmarkSourceException e)
        {
            return Fail(e.Message);
        }
        catch (IOException e)
        {
            return Fail($"--out: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Stopped:[/] nothing was written to {directory}; run the same command again to import it.");
            return ExitCodes.Interrupted;
        }

        // A missing video's frames or a damaged annotation file can skip thousands: the first are shown, all are in the manifest.
        const int Shown = 20;
        foreach (var skip in m.Skipped.Take(Shown))
            AnsiConsole.MarkupLineInterpolated($"[yellow]skipped:[/] {skip.Item}: {skip.Reason}");
        if (m.Skipped.Count > Shown)
            AnsiConsole.MarkupLineInterpolated($"[yellow]… and {m.Skipped.Count - Shown:N0} more skipped[/], each named in {Path.Combine(directory, Benchmark.ManifestFile)}");
        var splits = string.Join(", ", m.Splits.Select(s => $"{s.Value:N0} {s.Key}"));
        var subsets = m.Subsets.Count == 0 ? "" : $"; {SubsetsLabel(m)} {string.Join(", ", m.Subsets.Select(s => $"{s.Key} {s.Value:N0}"))}";
        AnsiConsole.MarkupLineInterpolated(
            $"Imported [bold]{m.Name}[/] as the {m.Kind} benchmark ({m.Task}): {m.Count:N0} faces ({splits}{subsets}), crops {m.Size}×{m.Size} ({m.CropRule}), in {m.Shards.Count} shard(s) in {directory}; {m.Skipped.Count} source item(s) skipped; {clock.Elapsed.TotalSeconds:F1} s.");
        AnsiConsole.MarkupLineInterpolated($"Content {m.ShortContent}. Name it in a spec as '{{task: {m.Task}, benchmark: {m.Name}}}' and run with --data {Path.GetDirectoryName(directory)}.");
        return m.Skipped.Count > 0 ? ExitCodes.JobFailures : ExitCodes.Ok;
    }

    private static int RunImport(string source, string directory, ImageImportOptions options, CancellationToken cancellationToken)
    {
        ImageImportResult imported;
        try
        {
            imported = ImportWithProgress(source, directory, options, cancellationToken);
        }
        catch (DataFormatException e)
        {
            return Fail(e.Message);
        }
        catch (InvalidOperationException e)
        {
            return Fail($"--out: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Stopped:[/] the shards finished so far are kept in {directory}; run the same command again to go on.");
            return ExitCodes.Interrupted;
        }

        var m = imported.Manifest;
        var rate = imported.Elapsed.TotalSeconds > 0 ? (m.Count - imported.Resumed) / imported.Elapsed.TotalSeconds : 0;
        var bytes = m.Shards.Sum(s => s.Bytes);
        foreach (var skip in m.Skipped)
            AnsiConsole.MarkupLineInterpolated($"[yellow]skipped:[/] {skip.Item}: {skip.Reason}");
        if (imported.Ignored.Count > 0)
            AnsiConsole.MarkupLineInterpolated($"Ignored {imported.Ignored.Count} file(s) that are not images of the layout (first: {imported.Ignored[0]}).");
        AnsiConsole.MarkupLineInterpolated(
            $"Imported [bold]{m.Name}[/]: {m.Count:N0} images ({m.Kind.ToString().ToLowerInvariant()}, {imported.Layout.ToString().ToLowerInvariant()} layout{(m.Identities.Count > 0 ? $", {m.Identities.Count:N0} identities" : "")}{(m.Clips > 0 ? $", {m.Clips:N0} clips" : "")}), {m.Storage.Describe()}, in {m.Shards.Count} shard(s) in {directory}.");
        AnsiConsole.MarkupLineInterpolated(
            $"{bytes / (double)Math.Max(1, m.Count) / 1024:F1} KiB per image; {rate:N0} images/s{(imported.Resumed > 0 ? $" ({imported.Resumed:N0} resumed from an interrupted run)" : "")}; {m.Skipped.Count} unreadable image(s) skipped.");
        AnsiConsole.MarkupLineInterpolated($"Content {m.ShortContent}. Name it in a spec as 'dataset: {m.Name}' and run with --data {Path.GetDirectoryName(directory)}.");
        return m.Skipped.Count > 0 ? ExitCodes.JobFailures : ExitCodes.Ok;
    }

    /// <summary>Imports with a live progress bar on a terminal, and a line per tenth of the way when the output is redirected.</summary>
    private static ImageImportResult ImportWithProgress(string source, string directory, ImageImportOptions options, CancellationToken cancellationToken) =>
        WithProgress("images", progress => ImageSetImport.Import(source, directory, options, progress, cancellationToken));

    /// <summary>Runs <paramref name="run"/> with a progress bar on a terminal, or a line per tenth of the way when the output is redirected.</summary>
    private static T WithProgress<T>(string what, Func<IProgress<ImportProgress>, T> run)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            var lastTenth = -1;
            var lines = new Reporter(p =>
            {
                var tenth = p.Total == 0 ? 10 : 10 * p.Done / p.Total;
                if (tenth == lastTenth)
                    return;
                lastTenth = tenth;
                Console.WriteLine($"importing: {p.Done:N0} of {p.Total:N0} {what} ({10 * tenth}%), {p.Skipped:N0} skipped");
            });
            return run(lines);
        }

        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("importing");
                var bar = new Reporter(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = $"importing ({p.Skipped:N0} skipped)";
                });
                result = run(bar);
            });
        return result;
    }

    /// <summary>Reports on the importing thread, serialised (the import reports from its worker threads).</summary>
    private sealed class Reporter(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        private readonly Lock _gate = new();

        public void Report(ImportProgress value)
        {
            lock (_gate)
                report(value);
        }
    }

    private static int InspectOtherFormat(string target)
    {
        var summary = FormatInspector.Inspect(target);
        if (summary.Format == DatasetFormat.Unknown)
            return Fail($"{target}: not a FaceRep dataset directory (no {ShardStore.ManifestFile}) and not a recognised face-dataset format");
        foreach (var line in summary.Lines())
            AnsiConsole.WriteLine(line);
        if (summary.Error is not null)
            return ExitCodes.BadInput;
        return summary.CorruptCount > 0 ? ExitCodes.JobFailures : ExitCodes.Ok;
    }

    private static int Fail(string message)
    {
        AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {message}");
        return ExitCodes.BadInput;
    }
}
