using System.Buffers.Binary;
using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FaceRep.Training.Checkpoints;

/// <summary>
/// Backbone weights to and from PyTorch: imports <c>torch.save</c> state dicts (zip format)
/// and safetensors files with torchvision's ResNet names, and exports safetensors that
/// torchvision loads. Files are read with TorchSharp.PyBridge's unpickler and the keys renamed
/// here, because <c>load_py</c> with strict false silently loads nothing when names differ.
/// </summary>
public static class ModelInterop
{
    /// <summary>
    /// Key prefixes stripped on import, tried in this order and at most one per key:
    /// <c>module.base_net.</c> (the paper's released checkpoints: a DistributedDataParallel
    /// wrapper around a model whose backbone is <c>base_net</c>), <c>base_net.</c> (the same
    /// model saved without the wrapper) and <c>module.</c> (any DataParallel or
    /// DistributedDataParallel model).
    /// </summary>
    public static IReadOnlyList<string> KnownPrefixes { get; } = ["module.base_net.", "base_net.", "module."];

    /// <summary>
    /// Keys under which training scripts nest the state dict (<c>{"state_dict": …, "epoch": …}</c>),
    /// looked for in this order, possibly more than one level deep.
    /// </summary>
    public static IReadOnlyList<string> KnownContainers { get; } = ["state_dict", "model", "model_state_dict"];

    private const int MaxNesting = 4;
    private const int Shown = 5;

    /// <summary>
    /// Loads a PyTorch checkpoint into <paramref name="backbone"/> non-strictly: tensors whose
    /// names match (after stripping <see cref="KnownPrefixes"/>) are copied in and verified;
    /// the report lists the backbone's tensors the file lacks and the file's tensors the backbone
    /// lacks (a classifier, a projector).
    /// </summary>
    /// <param name="path">
    /// A <c>.pth</c>/<c>.pt</c>/<c>.bin</c> file written by <c>torch.save</c> in the zip format
    /// (PyTorch 1.6 and later) holding a state dict, plain or nested under one of
    /// <see cref="KnownContainers"/>; or a <c>.safetensors</c> file. The format is recognised by
    /// content, not by extension.
    /// </param>
    /// <param name="backbone">The module to load into; it is left untouched when the file is rejected.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointImportException">
    /// The file is not a readable checkpoint (a legacy pre-zip file, a pickled whole model,
    /// another format), holds no state dict, no tensor name matches the backbone's, or a tensor
    /// has a different shape (another architecture or width).
    /// </exception>
    public static ImportReport Import(string path, nn.Module backbone)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(backbone);
        if (!File.Exists(path))
            throw new FileNotFoundException($"no checkpoint at {path}", path);

        using var scope = NewDisposeScope();
        var format = Sniff(path);
        var (source, container) = format == CheckpointFormat.PyTorchZip
            ? FindStateDict(ReadZip(path), path)
            : (ReadSafetensors(path), null);
        var (renamed, stripped) = StripPrefixes(source, path);

        var target = backbone.state_dict();
        var matched = new List<(string Key, Tensor Source, Tensor Target)>();
        var missing = new List<string>();
        var mismatches = new List<ShapeMismatch>();
        foreach (var (key, destination) in target)
        {
            if (!renamed.TryGetValue(key, out var found))
            {
                missing.Add(key);
                continue;
            }

            var tensor = found.Tensor;
            if (!tensor.shape.SequenceEqual(destination.shape))
            {
                // A zero-dimensional scalar (num_batches_tracked) and a one-element vector hold the same value.
                if (tensor.numel() == 1 && destination.numel() == 1 && (tensor.dim() == 0 || destination.dim() == 0))
                {
                    tensor = tensor.reshape(destination.shape);
                }
                else
                {
                    mismatches.Add(new ShapeMismatch(key, found.SourceKey, destination.shape, tensor.shape));
                    continue;
                }
            }

            matched.Add((key, tensor, destination));
        }

        var unexpected = renamed.Where(r => !target.ContainsKey(r.Key)).Select(r => r.Value.SourceKey).Order(StringComparer.Ordinal).ToList();
        var report = new ImportReport(path, format, container, stripped, matched.Count, missing, unexpected, mismatches);

        if (mismatches.Count > 0)
        {
            throw new CheckpointImportException(path,
                $"{mismatches.Count} tensor(s) have another shape than the backbone's (another architecture or width?), so nothing was loaded: "
                + string.Join("; ", mismatches.Take(Shown)) + (mismatches.Count > Shown ? "; …" : ""),
                report);
        }

        if (matched.Count == 0)
        {
            throw new CheckpointImportException(path,
                $"none of its {renamed.Count} tensor names matches the backbone's, so nothing was loaded "
                + $"(prefixes stripped: {(stripped.Count == 0 ? "none" : string.Join(", ", stripped.Keys))}; known: {string.Join(", ", KnownPrefixes)}). "
                + $"The file has {Names(renamed.Values.Select(r => r.SourceKey).Order(StringComparer.Ordinal))}; "
                + $"the backbone expects {Names(target.Keys)}",
                report);
        }

        var load = matched.ToDictionary(m => m.Key, m => m.Source, StringComparer.Ordinal);
        var (_, notLoaded) = backbone.load_state_dict(load, strict: false);
        using (no_grad())
        {
            var wrong = notLoaded.Concat(matched
                .Where(m => !m.Target.allclose(m.Source.to(m.Target.dtype, m.Target.device), rtol: 0, atol: 0, equal_nan: true))
                .Select(m => m.Key)).ToList();
            if (wrong.Count > 0)
                throw new CheckpointImportException(path, $"{wrong.Count} tensor(s) did not load: {Names(wrong)}", report);
        }

        return report;
    }

    /// <summary>
    /// Writes <paramref name="backbone"/>'s state dict as safetensors with its own (torchvision's)
    /// names: floating-point tensors as contiguous float32, integer buffers
    /// (num_batches_tracked) as int64, batch-norm running statistics included. torchvision's
    /// model of the same architecture at width 1 takes it with
    /// <c>load_state_dict(..., strict=False)</c>, missing only its classifier (fc).
    /// The file is written to a temporary name and moved into place.
    /// </summary>
    public static void ExportSafetensors(nn.Module backbone, string path)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);

        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in backbone.state_dict())
        {
            var cpu = tensor.detach().cpu();
            tensors[name] = (cpu.is_floating_point() ? cpu.to(ScalarType.Float32) : cpu.to(ScalarType.Int64)).contiguous();
        }

        var temp = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = File.Create(temp))
                Safetensors.SaveStateDict(stream, tensors, leaveOpen: true);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static CheckpointFormat Sniff(string path)
    {
        Span<byte> head = stackalloc byte[16];
        long length;
        using (var stream = File.OpenRead(path))
        {
            length = stream.Length;
            head = head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        }

        if (head is [(byte)'P', (byte)'K', 3, 4, ..])
            return CheckpointFormat.PyTorchZip;
        if (head.Length > 8 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) <= (ulong)(length - 8))
            return CheckpointFormat.Safetensors;
        if (head is [0x80, <= 5, ..])
        {
            throw new CheckpointImportException(path,
                "it was saved in PyTorch's legacy (pre-1.6, not zip) format, which cannot be read here. "
                + "Re-save it with a current PyTorch, which writes the zip format by default: "
                + "torch.save(torch.load(\"old.pth\", map_location=\"cpu\"), \"new.pth\"). "
                + "If it holds a whole model rather than a state dict, save model.state_dict() instead.");
        }

        throw new CheckpointImportException(path,
            "it is neither a torch.save zip file (which starts with \"PK\") nor a safetensors file; "
            + "checkpoints written by this program's own store load through CheckpointStore");
    }

    private static Hashtable ReadZip(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or CheckpointImportException))
        {
            throw new CheckpointImportException(path,
                $"it is a zip file but not a readable torch.save state dict ({e.Message}). "
                + "Save the state dict, not the whole model or a TorchScript archive: torch.save(model.state_dict(), path)",
                inner: e);
        }
    }

    private static Dictionary<string, Tensor> ReadSafetensors(string path)
    {
        try
        {
            return Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or CheckpointImportException))
        {
            throw new CheckpointImportException(path, $"it looks like a safetensors file but cannot be read ({e.Message})", inner: e);
        }
    }

    /// <summary>The tensors of the state dict, descending through <see cref="KnownContainers"/>.</summary>
    private static (Dictionary<string, Tensor> Tensors, string? Container) FindStateDict(IDictionary root, string path)
    {
        var trail = new List<string>();
        var current = root;
        while (true)
        {
            var next = trail.Count < MaxNesting ? KnownContainers.FirstOrDefault(k => current[k] is IDictionary) : null;
            if (next is not null)
            {
                trail.Add(next);
                current = (IDictionary)current[next]!;
                continue;
            }

            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in current)
            {
                if (entry.Key is string key && entry.Value is Tensor tensor)
                    tensors[key] = tensor;
            }

            var where = trail.Count == 0 ? null : string.Join('/', trail);
            if (tensors.Count == 0)
            {
                var keys = current.Keys.Cast<object>().Select(k => k.ToString() ?? "").Order(StringComparer.Ordinal);
                throw new CheckpointImportException(path,
                    $"it holds no tensors{(where is null ? "" : $" under '{where}'")}: its keys are {Names(keys)}. "
                    + $"Expected a state dict, plain or nested under one of: {string.Join(", ", KnownContainers)}");
            }

            return (tensors, where);
        }
    }

    private static (Dictionary<string, (string SourceKey, Tensor Tensor)> Renamed, Dictionary<string, int> Stripped) StripPrefixes(
        Dictionary<string, Tensor> source, string path)
    {
        var renamed = new Dictionary<string, (string SourceKey, Tensor Tensor)>(StringComparer.Ordinal);
        var stripped = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, tensor) in source.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var prefix = KnownPrefixes.FirstOrDefault(p => key.StartsWith(p, StringComparison.Ordinal));
            var name = prefix is null ? key : key[prefix.Length..];
            if (prefix is not null)
                stripped[prefix] = stripped.GetValueOrDefault(prefix) + 1;
            if (!renamed.TryAdd(name, (key, tensor)))
                throw new CheckpointImportException(path, $"'{renamed[name].SourceKey}' and '{key}' both become '{name}' once known prefixes are stripped");
        }

        return (renamed, stripped);
    }

    private static string Names(IEnumerable<string> names)
    {
        var list = names.Take(Shown + 1).ToList();
        return string.Join(", ", list.Take(Shown)) + (list.Count > Shown ? ", …" : "");
    }
}
