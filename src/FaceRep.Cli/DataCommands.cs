using System.CommandLine;
using System.Globalization;
using FaceRep.Data;
using FaceRep.Data.Formats;
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
        var flavour = new Option<string>("--flavour") { Description = "curated, uncurated or video.", Required = true };
        var count = new Option<int>("--count") { Description = "Images to generate.", DefaultValueFactory = _ => 1000 };
        var output = new Option<string>("--out") { Description = "Directory for the manifest and shards.", Required = true };
        var resolution = new Option<int>("--resolution") { Description = "Image size in pixels.", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var shardSize = new Option<int>("--shard-size") { Description = "Samples per shard.", DefaultValueFactory = _ => 1024 };
        var preview = new Option<string?>("--preview") { Description = "Also write a PNG montage of the first images with their landmarks." };
        var command = new Command("synth", "Generate a SynthFace dataset as a manifest of shards.")
        {
            flavour, count, output, resolution, seed, shardSize, preview,
        };
        command.SetAction(result =>
        {
            var name = result.GetValue(flavour)!;
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

            return InspectOtherFormat(target);
        });
        return command;
    }

    private static Command Redundancy()
    {
        var path = new Argument<string>("path") { Description = "A dataset directory (manifest of shards)." };
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
            if (!Directory.Exists(target) || ShardStore.ReadManifest(target) is null)
                return Fail($"{target}: not a dataset directory (no {ShardStore.ManifestFile}); write one with 'facerep data synth' first");

            var skips = new List<string>();
            var dataset = ShardStore.Open(target, skips.Add);
            var shardOf = new string[dataset.Count];
            var k = 0;
            foreach (var shard in dataset.Manifest.Shards)
            {
                for (var i = 0; i < shard.Count && k < shardOf.Length; i++)
                    shardOf[k++] = shard.File;
            }

            var report = Data.Quality.Redundancy.Measure(dataset, i => shardOf[i] ?? "?", bits);
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
        var path = new Argument<string>("path") { Description = "Image folders (one per identity) or an HDF5 file of encoded images." };
        var output = new Option<string>("--out") { Description = "Directory for the manifest and shards.", Required = true };
        var resolution = new Option<int>("--resolution") { Description = "Image size in pixels.", DefaultValueFactory = _ => 64 };
        var command = new Command("import", "Decode an image collection once into checksummed shards; corrupt images are skipped and named.") { path, output, resolution };
        command.SetAction(result =>
        {
            var source = result.GetValue(path)!;
            var directory = Path.GetFullPath(result.GetValue(output)!);
            var size = result.GetValue(resolution);
            if (!File.Exists(source) && !Directory.Exists(source))
                return Fail($"{source}: no such file or directory");
            if (size is < 16 or > 1024)
                return Fail($"--resolution: {size} is outside 16–1024");
            if (ShardStore.ReadManifest(directory) is not null)
                return Fail($"--out: {directory} already holds a dataset; choose another directory or remove it");
            var existed = Directory.Exists(directory);
            try
            {
                var imported = FormatImport.Import(source, directory, size, line => AnsiConsole.MarkupLineInterpolated($"[yellow]skipped:[/] {line}"));
                if (imported.Manifest.Count == 0)
                {
                    // An empty dataset would only block the import that follows a fix: leave nothing.
                    RemoveImport(directory, existed, imported.Manifest);
                    return Fail($"{source}: no readable image found ({imported.Skipped} unreadable); nothing was written to {directory}");
                }

                AnsiConsole.MarkupLineInterpolated(
                    $"Imported {imported.Manifest.Count:N0} images ({imported.Format}, {size}×{size}) into {imported.Manifest.Shards.Count} shard(s) in {directory}; {imported.Skipped} corrupt image(s) skipped.");
                return imported.Skipped > 0 ? ExitCodes.JobFailures : ExitCodes.Ok;
            }
            catch (DataFormatException e)
            {
                return Fail(e.Message);
            }
        });
        return command;
    }

    /// <summary>Removes what an import wrote: the directory if it made it, else its manifest and shards.</summary>
    private static void RemoveImport(string directory, bool existed, DatasetManifest manifest)
    {
        if (!existed)
        {
            Directory.Delete(directory, recursive: true);
            return;
        }

        foreach (var shard in manifest.Shards)
            File.Delete(Path.Combine(directory, shard.File));
        File.Delete(Path.Combine(directory, ShardStore.ManifestFile));
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
