using FaceRep.Core.Experiments;
using FaceRep.Core.Paths;
using FaceRep.Training.Backbones;
using FaceRep.Training.Checkpoints;
using FaceRep.Training.Runs;

namespace FaceRep.Training.Methods;

/// <summary>
/// An external checkpoint as a pre-training source (ImageNet weights, the paper's released
/// models): option <c>checkpoint</c> names a PyTorch state dict (.pth/.pt, torchvision layout,
/// optionally under <c>module.base_net.</c> or nested in <c>state_dict</c>) or a .safetensors file.
/// The job loads it non-strictly into the sweep's backbone, logs what was loaded, missing and
/// ignored, and stores the result as its checkpoint. Backbone weights missing from the file fail
/// the job unless <c>allow_missing</c> is true (the missing ones keep their random start).
/// </summary>
internal sealed class ImportMethod : IPretrainMethod
{
    public string Name => "import";

    public bool Trains => true;

    public IReadOnlyList<string> Validate(PretrainConfig config) => Read(config, null).Problems;

    public ResNet Train(PretrainConfig config, RunContext context)
    {
        var (path, allowMissing, problems) = Read(config, context.InputRoots);
        if (problems.Count > 0)
            throw new JobFailedException(FailureKind.Deterministic, string.Join("; ", problems));

        var backbone = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(config.Backbone));
        try
        {
            context.Report(0, $"importing {Path.GetFileName(path)}");
            ImportReport report;
            try
            {
                report = ModelInterop.Import(path!, backbone);
            }
            catch (CheckpointImportException e)
            {
                throw new JobFailedException(FailureKind.Deterministic, e.Message);
            }

            context.Log?.Invoke($"imported {path}: {report}");
            if (!report.Complete && !allowMissing)
                throw new JobFailedException(FailureKind.Deterministic, $"{path} does not hold the whole {config.Backbone.Arch} backbone: {report}; set option allow_missing: true to keep the missing weights at their random start");
            return backbone;
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <param name="config">The job.</param>
    /// <param name="roots">Where the file may be read from (null: anywhere). Checked first, so a path outside them is refused without saying whether it exists; the path returned is the resolved one, the file actually opened.</param>
    private static (string? Path, bool AllowMissing, IReadOnlyList<string> Problems) Read(PretrainConfig config, PathRoots? roots)
    {
        var options = new OptionReader(config);
        var path = options.Text("checkpoint");
        var allowMissing = options.Flag("allow_missing", false);
        if (path is not null && roots is not null)
        {
            path = roots.Resolve(path, out var outside);
            if (path is null)
                options.Problem($"import option checkpoint: {outside}");
        }
        else if (path is null)
            options.Problem("import needs option checkpoint: the path of a .pth, .pt or .safetensors file");

        if (path is not null && !File.Exists(path))
            options.Problem($"import option checkpoint: file '{path}' does not exist");
        return (path, allowMissing, options.Finish());
    }
}
