using System.CommandLine;
using System.Globalization;
using FaceRep.Core.Specs;
using FaceRep.Training.Backbones;
using FaceRep.Training.Checkpoints;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary>
/// <c>facerep model import | export</c>: backbone weights to and from PyTorch. <c>import</c>
/// checks that a PyTorch or safetensors checkpoint loads into a backbone (what a sweep's
/// <c>method: import</c> source will do) and says what it loaded; <c>export</c> writes a
/// pre-training job's checkpoint as safetensors that torchvision loads.
/// </summary>
public static class ModelCommands
{
    /// <summary>The <c>model</c> verb.</summary>
    public static Command Create()
    {
        var command = new Command("model", "Move backbone weights between FaceRep.Grid and PyTorch.");
        command.Subcommands.Add(Import());
        command.Subcommands.Add(Export());
        return command;
    }

    private static Command Import()
    {
        var file = new Argument<string>("checkpoint") { Description = "A torch.save file (zip format) or a .safetensors file." };
        var arch = new Option<string>("--arch") { Description = $"The backbone to load into: {string.Join(", ", BackboneRegistry.Names)}.", DefaultValueFactory = _ => "resnet50" };
        var width = new Option<double>("--width") { Description = "Width multiplier of the backbone.", DefaultValueFactory = _ => 1.0 };
        var command = new Command("import", "Check that a PyTorch checkpoint loads into a backbone, and report what was loaded, missing and unexpected.") { file, arch, width };
        command.SetAction(result =>
        {
            var console = AnsiConsole.Console;
            var path = result.GetValue(file)!;
            if (Backbone(result.GetValue(arch)!, result.GetValue(width), console) is not { } spec)
                return ExitCodes.BadInput;
            if (!File.Exists(path))
            {
                console.MarkupLineInterpolated($"[red]error:[/] {path}: no such file");
                return ExitCodes.BadInput;
            }

            using var backbone = BackboneRegistry.Create(spec);
            try
            {
                var report = ModelInterop.Import(path, backbone);
                console.MarkupLineInterpolated($"{path}: {report.SourceFormat}; {report.LoadedKeys} tensors loaded into {spec.Arch} (width {spec.Width.ToString(CultureInfo.InvariantCulture)}).");
                if (report.StrippedPrefixes.Count > 0)
                    console.MarkupLineInterpolated($"  stripped prefixes: {string.Join(", ", report.StrippedPrefixes.Select(p => $"'{p.Key}' ({p.Value} keys)"))}");
                console.MarkupLineInterpolated($"  missing from the file ({report.MissingKeys.Count}): {Sample(report.MissingKeys)}");
                console.MarkupLineInterpolated($"  in the file but not the backbone ({report.UnexpectedKeys.Count}): {Sample(report.UnexpectedKeys)}");
                console.MarkupLine(report.Complete
                    ? "Every backbone tensor comes from the file. Use it in a sweep as a source with 'method: import' and 'checkpoint: PATH'."
                    : "[yellow]Some backbone tensors are not in the file; they would keep their initial values.[/]");
                return ExitCodes.Ok;
            }
            catch (CheckpointImportException e)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return command;
    }

    private static Command Export()
    {
        var job = new Argument<string>("job") { Description = "The pre-training job's id (its checkpoint's directory name)." };
        var artifacts = new Option<string>("--artifacts")
        {
            Description = "The artifact root holding checkpoints/ (a silo's ArtifactRoot; embedded runs: OUT/artifacts).",
            DefaultValueFactory = _ => Path.Combine("facerep-out", "artifacts"),
        };
        var output = new Option<string>("--out") { Description = "The .safetensors file to write.", Required = true };
        var command = new Command("export", "Write a pre-training job's backbone as safetensors with torchvision's names.") { job, artifacts, output };
        command.SetAction(result =>
        {
            var console = AnsiConsole.Console;
            var id = result.GetValue(job)!;
            var root = Path.GetFullPath(result.GetValue(artifacts)!);
            if (!IsJobId(id))
            {
                console.MarkupLineInterpolated($"[red]error:[/] '{id}' is not a job id: use the id's letters, digits, '-' and '_' (at most 64)");
                return ExitCodes.BadInput;
            }

            // Looked for without creating anything: a mistyped --artifacts must leave no directories behind.
            if (!File.Exists(Path.Combine(root, "checkpoints", id, "checkpoint.json")))
            {
                console.MarkupLineInterpolated($"[red]error:[/] no checkpoint of job '{id}' under {root}; 'facerep results query --group-by pretrain' lists pre-training sources, and each silo's ArtifactRoot holds their checkpoints");
                return ExitCodes.BadInput;
            }

            var store = new CheckpointStore(root);
            CheckpointInfo info;
            try
            {
                info = store.ReadInfo(id);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or IOException or Core.Experiments.JobFailedException)
            {
                console.MarkupLineInterpolated($"[red]error:[/] the checkpoint metadata of job '{id}' cannot be read: {e.Message.Split('\n')[0]}");
                return ExitCodes.BadInput;
            }

            if (!BackboneRegistry.Names.Contains(info.Backbone.Arch))
            {
                console.MarkupLineInterpolated($"[red]error:[/] checkpoint {id} holds a '{info.Backbone.Arch}' backbone, which this build does not have");
                return ExitCodes.BadInput;
            }

            using var backbone = BackboneRegistry.Create(info.Backbone);
            try
            {
                // A read: a corrupt checkpoint is reported, not moved aside (the run that needs it does that).
                store.Load(id, backbone, info.Backbone, quarantine: false);
            }
            catch (Core.Experiments.JobFailedException e)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return ExitCodes.BadInput;
            }

            var target = Path.GetFullPath(result.GetValue(output)!);
            ModelInterop.ExportSafetensors(backbone, target);
            console.MarkupLineInterpolated($"Wrote {target}: {info.Backbone.Arch} (width {info.Backbone.Width.ToString(CultureInfo.InvariantCulture)}, {info.Backbone.Input} px) from job {id}, {new FileInfo(target).Length:N0} bytes.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static BackboneSpec? Backbone(string arch, double width, IAnsiConsole console)
    {
        if (!BackboneRegistry.Names.Contains(arch))
        {
            console.MarkupLineInterpolated($"[red]error:[/] --arch '{arch}' is not a backbone; use one of {string.Join(", ", BackboneRegistry.Names)}");
            return null;
        }

        if (!(width is > 0 and <= 4))
        {
            console.MarkupLineInterpolated($"[red]error:[/] --width {width.ToString(CultureInfo.InvariantCulture)} is out of range; use a number in (0, 4]]");
            return null;
        }

        return new BackboneSpec(arch, width, 224);
    }

    private static bool IsJobId(string id) => id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Sample(IReadOnlyList<string> keys) =>
        keys.Count == 0 ? "none" : string.Join(", ", keys.Take(5)) + (keys.Count > 5 ? ", …" : "");
}
