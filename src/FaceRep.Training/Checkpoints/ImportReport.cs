namespace FaceRep.Training.Checkpoints;

/// <summary>The file format a checkpoint was read from.</summary>
public enum CheckpointFormat
{
    /// <summary>A <c>torch.save</c> file in the zip format (PyTorch 1.6 and later).</summary>
    PyTorchZip,

    /// <summary>A safetensors file.</summary>
    Safetensors,
}

/// <summary>A tensor whose shape in the file differs from the backbone's.</summary>
/// <param name="Key">The backbone's name for it.</param>
/// <param name="SourceKey">Its name in the file, before prefixes were stripped.</param>
/// <param name="Expected">The backbone's shape.</param>
/// <param name="Found">The file's shape.</param>
public sealed record ShapeMismatch(string Key, string SourceKey, IReadOnlyList<long> Expected, IReadOnlyList<long> Found)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Key}: file [{string.Join(", ", Found)}]{(SourceKey == Key ? "" : $" (as {SourceKey})")}, backbone [{string.Join(", ", Expected)}]";
}

/// <summary>What <see cref="ModelInterop.Import"/> read and loaded.</summary>
/// <param name="Path">The checkpoint file.</param>
/// <param name="Format">Its file format.</param>
/// <param name="Container">
/// Where in the file the state dict was found: null for a plain state dict, otherwise the
/// dictionary keys leading to it ("state_dict", "model", "model/state_dict", …).
/// </param>
/// <param name="StrippedPrefixes">Each known prefix that was stripped from the file's keys, with how many keys carried it.</param>
/// <param name="LoadedKeys">Tensors copied into the backbone.</param>
/// <param name="MissingKeys">Backbone tensors the file does not have (they keep their current values).</param>
/// <param name="UnexpectedKeys">File tensors the backbone does not have, by their names in the file (classifier, projector, …).</param>
/// <param name="ShapeMismatches">Tensors whose shapes differ; an import with any fails and loads nothing.</param>
public sealed record ImportReport(
    string Path,
    CheckpointFormat Format,
    string? Container,
    IReadOnlyDictionary<string, int> StrippedPrefixes,
    int LoadedKeys,
    IReadOnlyList<string> MissingKeys,
    IReadOnlyList<string> UnexpectedKeys,
    IReadOnlyList<ShapeMismatch> ShapeMismatches)
{
    /// <summary>The format with where the state dict was found, e.g. "PyTorchZip under 'state_dict'".</summary>
    public string SourceFormat => Container is null ? Format.ToString() : $"{Format} under '{Container}'";

    /// <summary>True when every backbone tensor came from the file.</summary>
    public bool Complete => MissingKeys.Count == 0 && ShapeMismatches.Count == 0;

    /// <summary>A one-paragraph summary for logs.</summary>
    public override string ToString()
    {
        var stripped = StrippedPrefixes.Count == 0
            ? "no prefix stripped"
            : "stripped " + string.Join(", ", StrippedPrefixes.Select(p => $"'{p.Key}' from {p.Value} keys"));
        return $"{Path} ({SourceFormat}): loaded {LoadedKeys} tensors, {stripped}; "
            + $"{MissingKeys.Count} missing{Sample(MissingKeys)}, {UnexpectedKeys.Count} unexpected{Sample(UnexpectedKeys)}"
            + (ShapeMismatches.Count == 0 ? "" : $", {ShapeMismatches.Count} shape mismatches{Sample(ShapeMismatches)}");
    }

    internal static string Sample<T>(IReadOnlyList<T> items, int count = 5) =>
        items.Count == 0 ? "" : $" ({string.Join("; ", items.Take(count))}{(items.Count > count ? "; …" : "")})";
}

/// <summary>A checkpoint that cannot be imported into a backbone; the message names the file and the reason.</summary>
public sealed class CheckpointImportException : FormatException
{
    public CheckpointImportException(string file, string reason, ImportReport? report = null, Exception? inner = null)
        : base($"{file}: {reason}", inner)
    {
        File = file;
        Reason = reason;
        Report = report;
    }

    /// <summary>The checkpoint file.</summary>
    public string File { get; }

    /// <summary>Why it cannot be imported.</summary>
    public string Reason { get; }

    /// <summary>What was read before the import failed, when the file could be read at all.</summary>
    public ImportReport? Report { get; }
}
