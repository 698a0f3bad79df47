using System.Security.Cryptography;
using System.Text.Json;
using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using static TorchSharp.torch;

namespace FaceRep.Training.Checkpoints;

/// <summary>What is known about a stored checkpoint.</summary>
/// <param name="JobId">The pre-training job that produced it.</param>
/// <param name="Sha256">Checksum of the weights file.</param>
/// <param name="Bytes">Size of the weights file.</param>
/// <param name="Backbone">Architecture the weights belong to.</param>
/// <param name="CreatedUtc">When it was written.</param>
public sealed record CheckpointInfo(string JobId, string Sha256, long Bytes, BackboneSpec Backbone, DateTimeOffset CreatedUtc);

/// <summary>
/// Backbone checkpoints in a directory (local disk, or a shared filesystem on a cluster),
/// addressed by job id. Written atomically (a complete temporary directory is renamed into
/// place), verified by checksum on load, and never overwritten once finished.
/// </summary>
public sealed class CheckpointStore
{
    private const string WeightsFile = "backbone.dat";
    private const string MetaFile = "checkpoint.json";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Opens (and creates) a store under <paramref name="root"/>.</summary>
    public CheckpointStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(Root, "checkpoints"));
        Directory.CreateDirectory(Path.Combine(Root, "tmp"));
    }

    /// <summary>The store's directory.</summary>
    public string Root { get; }

    /// <summary>The directory of a job's checkpoint.</summary>
    public string PathOf(string jobId) => Path.Combine(Root, "checkpoints", ValidId(jobId));

    /// <summary>True when a finished checkpoint exists for the job.</summary>
    public bool Exists(string jobId) => Exists(Root, jobId);

    /// <summary>True when the store under <paramref name="root"/> holds a finished checkpoint for the job; creates nothing.</summary>
    public static bool Exists(string root, string jobId) =>
        File.Exists(Path.Combine(root, "checkpoints", ValidId(jobId), MetaFile));

    /// <summary>Writes a backbone's weights for a job. If the job already has a checkpoint, it is kept and returned.</summary>
    public CheckpointInfo Save(string jobId, nn.Module backbone, BackboneSpec spec)
    {
        var final = PathOf(jobId);
        if (Exists(jobId))
            return ReadInfo(jobId);

        var temp = Path.Combine(Root, "tmp", $"{ValidId(jobId)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var weights = Path.Combine(temp, WeightsFile);
            backbone.save(weights);
            var (sha, bytes) = Hash(weights);
            var info = new CheckpointInfo(jobId, sha, bytes, spec, DateTimeOffset.UtcNow);
            File.WriteAllText(Path.Combine(temp, MetaFile), JsonSerializer.Serialize(info, Json));
            try
            {
                Directory.Move(temp, final);
            }
            catch (IOException) when (Exists(jobId))
            {
                // Another attempt finished first; its checkpoint stands.
                Directory.Delete(temp, recursive: true);
                return ReadInfo(jobId);
            }

            return info;
        }
        catch
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    /// <summary>Loads a job's checkpoint into <paramref name="backbone"/> after verifying its checksum.</summary>
    /// <exception cref="JobFailedException">
    /// The checkpoint is missing, or corrupt (truncated, wrong checksum, unreadable metadata):
    /// <see cref="FailureKind.CheckpointUnusable"/>, and a corrupt one is moved aside (see
    /// <see cref="Quarantine"/>) so its job can write it again. For another architecture:
    /// <see cref="FailureKind.Deterministic"/>.
    /// </exception>
    /// <param name="jobId">The pre-training job.</param>
    /// <param name="backbone">Receives the weights.</param>
    /// <param name="expected">The backbone the checkpoint must hold.</param>
    /// <param name="quarantine">
    /// Move a corrupt checkpoint aside (a job about to write it again); false for a reader that
    /// must leave the artifact directory as it found it (<c>facerep model export</c>).
    /// </param>
    public CheckpointInfo Load(string jobId, nn.Module backbone, BackboneSpec expected, bool quarantine = true)
    {
        if (!Exists(jobId))
            throw new JobFailedException(FailureKind.CheckpointUnusable, $"no checkpoint for {jobId} under {Root}");
        CheckpointInfo info;
        try
        {
            info = ReadInfo(jobId);
        }
        catch (Exception e) when (e is JsonException or JobFailedException or IOException)
        {
            throw Corrupt(jobId, $"its metadata is unreadable ({e.Message})", quarantine);
        }

        if (info.Backbone != expected)
            throw new JobFailedException(FailureKind.Deterministic, $"checkpoint {jobId} holds {info.Backbone}, not {expected}");
        var weights = Path.Combine(PathOf(jobId), WeightsFile);
        var (sha, bytes) = File.Exists(weights) ? Hash(weights) : ("(missing)", 0L);
        if (sha != info.Sha256 || bytes != info.Bytes)
            throw Corrupt(jobId, $"checksum {sha[..Math.Min(12, sha.Length)]}… ({bytes} bytes), expected {info.Sha256[..Math.Min(12, info.Sha256.Length)]}… ({info.Bytes} bytes)", quarantine);
        backbone.load(weights, strict: true);
        return info;
    }

    /// <summary>
    /// Moves a job's corrupt checkpoint aside, to <c>checkpoints/{id}.corrupt-{utc}</c>, where it
    /// is kept for inspection: the store never overwrites a finished checkpoint, so the job's
    /// next run could not write a good one in its place. A checkpoint already moved (by another
    /// worker that found it corrupt at the same time) is left alone. Returns where it went, or null.
    /// </summary>
    public string? Quarantine(string jobId)
    {
        var path = PathOf(jobId);
        var aside = $"{path}.corrupt-{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{Guid.NewGuid().ToString("N")[..6]}";
        try
        {
            Directory.Move(path, aside);
            return aside;
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }

    private JobFailedException Corrupt(string jobId, string why, bool quarantine)
    {
        var aside = quarantine ? Quarantine(jobId) : null;
        var moved = aside is null ? "" : $"; moved aside to {Path.GetFileName(aside)}";
        return new JobFailedException(FailureKind.CheckpointUnusable, $"checkpoint {jobId} is corrupt: {why}{moved}");
    }

    /// <summary>Reads a checkpoint's metadata.</summary>
    public CheckpointInfo ReadInfo(string jobId)
    {
        var text = File.ReadAllText(Path.Combine(PathOf(jobId), MetaFile));
        return JsonSerializer.Deserialize<CheckpointInfo>(text, Json)
            ?? throw new JobFailedException(FailureKind.Deterministic, $"checkpoint metadata of {jobId} is empty");
    }

    private static (string Sha, long Bytes) Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return (Convert.ToHexStringLower(SHA256.HashData(stream)), stream.Length);
    }

    private static string ValidId(string jobId)
    {
        if (jobId.Length is 0 or > 64 || !jobId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"'{jobId}' is not a job id", nameof(jobId));
        return jobId;
    }
}
