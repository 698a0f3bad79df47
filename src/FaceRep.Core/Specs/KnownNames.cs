namespace FaceRep.Core.Specs;

/// <summary>The names a sweep spec may use. Unknown names are errors that list these.</summary>
public static class KnownNames
{
    /// <summary>Pre-training methods. <c>scratch</c> and <c>import</c> need no training.</summary>
    public static readonly IReadOnlyList<string> Methods =
        ["scratch", "supervised", "simclr", "moco", "swav", "byol", "barlow", "import"];

    /// <summary>Downstream tasks.</summary>
    public static readonly IReadOnlyList<string> Tasks =
        ["recognition", "landmarks", "au", "emotion", "landmarks3d"];

    /// <summary>Pre-training datasets generated procedurally (SynthFace).</summary>
    public static readonly IReadOnlyList<string> Datasets =
        ["synth-curated", "synth-uncurated", "synth-video"];

    /// <summary>The <c>images</c> value that takes an imported set whole.</summary>
    public const string AllImages = "all";

    /// <summary>Why a dataset name is not usable: <paramref name="imported"/> says which imported sets there are, and where.</summary>
    public static string UnknownDataset(string name, string imported) =>
        $"unknown dataset '{name}'; known: {string.Join(", ", Datasets)}, and the imported sets: {imported}. Import one with: facerep data import SOURCE --out ROOT/{name}";

    /// <summary>Why a benchmark name is not usable: <paramref name="imported"/> says which benchmarks there are, and where.</summary>
    public static string UnknownBenchmark(string name, string imported) =>
        $"unknown benchmark '{name}'; the imported benchmarks: {imported}. Import one with: facerep data import SOURCE --benchmark KIND --out ROOT/{name}";

    /// <summary>Whether <paramref name="name"/> is a SynthFace set.</summary>
    public static bool IsSynthDataset(string name) => Datasets.Contains(name);

    /// <summary>
    /// Whether <paramref name="name"/> can name an imported set (<c>ROOT/NAME</c>): 1–64 lower-case letters,
    /// digits, '.', '_' and '-', starting with a letter or digit, and not starting <c>synth-</c>
    /// (SynthFace's own, so a misspelt SynthFace name is never taken for an imported set).
    /// </summary>
    public static bool IsImportedDatasetName(string name) =>
        name.Length is >= 1 and <= 64 && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]))
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-')
        && !name.StartsWith("synth-", StringComparison.Ordinal);

    /// <summary>Fine-tuning protocols: full fine-tune of backbone and head, or a linear probe on a frozen backbone.</summary>
    public static readonly IReadOnlyList<string> Protocols = ["finetune", "linear"];

    /// <summary>
    /// The protocol of a sweep's ceiling runs (<see cref="CeilingSpec"/>): fine-tuning from scratch
    /// on all of a task's labels with a long budget. Not a protocol a spec lists: its runs are a
    /// reference shown beside the sources, never one of them.
    /// </summary>
    public const string CeilingProtocol = "ceiling";

    /// <summary>Backbone architectures.</summary>
    public static readonly IReadOnlyList<string> Architectures = ["resnet18", "resnet34", "resnet50"];

    /// <summary>Methods that read no pre-training dataset: scratch (random initialisation) and import (an external checkpoint).</summary>
    public static bool NeedsNoTraining(string method) => method is "scratch" or "import";

    /// <summary>Methods whose job writes a checkpoint: every method but scratch (import converts its file into one).</summary>
    public static bool ProducesCheckpoint(string method) => method is not "scratch";
}
