using System.Security.Cryptography;
using System.Text.Json;
using FaceRep.Data.Quality;
using FaceRep.Data.Shards;
using FaceRep.Grid.Abstractions;

namespace FaceRep.Grid.Datasets;

/// <summary>What registering one silo's copy of a dataset found in one shard.</summary>
/// <param name="Entry">The shard's manifest entry.</param>
/// <param name="Path">The shard file's full path on this silo.</param>
/// <param name="Validation">How the file validated.</param>
/// <param name="Statistics">Its near-duplicates (over the samples that decoded).</param>
public sealed record LocalShardReport(ShardEntry Entry, string Path, ShardValidation Validation, ShardStatistics Statistics);

/// <summary>What registering one silo's copy of a dataset found, and the dataset's summary afterwards.</summary>
/// <param name="Manifest">The dataset's manifest.</param>
/// <param name="Shards">Each shard, in manifest order.</param>
/// <param name="Redundancy">Near-duplicates over the whole dataset, per shard.</param>
/// <param name="Summary">The dataset's summary from its grain, after registration.</param>
public sealed record LocalDatasetReport(DatasetManifest Manifest, IReadOnlyList<LocalShardReport> Shards, RedundancyReport Redundancy, DatasetSummary Summary);

/// <summary>
/// Registers a dataset directory written by <see cref="ShardStore"/> with the grid, as one silo's
/// local copy: registers the dataset and its shards, validates every shard file (re-hashing it
/// against the manifest and decoding its samples), measures near-duplicates across the whole
/// dataset and reports them per shard, and records the silo's copies.
/// </summary>
/// <remarks>
/// Validation and hashing are CPU and disk work and run on the calling thread (hashing also
/// on the thread pool), never on the Orleans scheduler: call this from outside grains (a hosted service, the
/// CLI, a test), not from a grain method. A dataset already registered with other content is
/// refused with <see cref="InvalidOperationException"/> before any file is read.
/// </remarks>
public static class DatasetRegistrar
{
    /// <summary>The near-duplicate threshold used unless told otherwise (bits of a 64-bit perceptual hash).</summary>
    public const int DefaultThreshold = 6;

    /// <summary>Registers the dataset in <paramref name="directory"/> as <paramref name="silo"/>'s local copy.</summary>
    /// <param name="grains">The cluster's grain factory (a client's, or a silo's).</param>
    /// <param name="directory">A directory holding a <see cref="ShardStore.ManifestFile"/> and its shards.</param>
    /// <param name="silo">The local silo's stable name (as <c>ILocalSiloDetails.Name</c>), recorded as holding the copy.</param>
    /// <param name="threshold">Hamming distance at or below which two samples are near-duplicates (0–<see cref="Redundancy.MaxThreshold"/>).</param>
    /// <param name="cancellationToken">Checked between shards.</param>
    /// <exception cref="FileNotFoundException">The directory holds no manifest.</exception>
    /// <exception cref="InvalidDataException">The manifest cannot be read.</exception>
    /// <exception cref="InvalidOperationException">Called from a grain, or the dataset is registered with other content.</exception>
    public static async Task<LocalDatasetReport> RegisterAsync(IGrainFactory grains, string directory, string silo,
        int threshold = DefaultThreshold, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(silo);
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, Redundancy.MaxThreshold);
        // Grain code runs on its activation's task scheduler; everything else on the default one.
        if (TaskScheduler.Current != TaskScheduler.Default)
            throw new InvalidOperationException("dataset registration reads and decodes every shard: call it from outside grains, not on the Orleans scheduler");

        directory = Path.GetFullPath(directory);
        var manifest = ShardStore.ReadManifest(directory)
            ?? throw new FileNotFoundException($"{directory} holds no {ShardStore.ManifestFile}", Path.Combine(directory, ShardStore.ManifestFile));
        var descriptor = new DatasetDescriptor(manifest.Name, manifest.Source, manifest.Resolution,
            manifest.Shards.Select(e => new ShardDescriptor(manifest.Name, e.File, e.Count, e.Sha256, e.Bytes)).ToArray());

        var dataset = grains.GetGrain<IDatasetGrain>(manifest.Name);
        var registration = await dataset.RegisterAsync(descriptor);
        if (!registration.Accepted)
            throw new InvalidOperationException(registration.Error);

        // Validate every shard and hash its samples here, on the caller's thread, never a grain's.
        var checks = CheckShards(directory, manifest, cancellationToken);
        var duplicate = Redundancy.FindNearDuplicates(checks.SelectMany(c => c.Hashes).ToArray(), threshold);

        var now = DateTime.UtcNow;
        var reports = new List<LocalShardReport>(checks.Count);
        var first = 0;
        foreach (var check in checks)
        {
            var nearDuplicates = 0;
            for (var i = 0; i < check.Hashes.Length; i++)
            {
                if (duplicate[first + i])
                    nearDuplicates++;
            }

            first += check.Hashes.Length;
            var validation = new ShardValidation(silo, check.Decoded, check.Corrupt, check.Sha256, check.Errors.Take(ShardValidation.MaxErrors).ToArray(), now);
            var statistics = new ShardStatistics(check.Hashes.Length, nearDuplicates, threshold, now);
            reports.Add(new LocalShardReport(check.Entry, check.Path, validation, statistics));
        }

        await Task.WhenAll(reports.Select(r => RecordAsync(grains, manifest.Name, r, silo)));

        var redundancy = new RedundancyReport(
            reports.Sum(r => r.Statistics.Samples),
            reports.Sum(r => r.Statistics.NearDuplicates),
            threshold,
            reports.Select(r => new RedundancyPart(r.Entry.File, r.Statistics.Samples, r.Statistics.NearDuplicates)).ToArray());
        return new LocalDatasetReport(manifest, reports, redundancy, await dataset.GetSummaryAsync());
    }

    private static async Task RecordAsync(IGrainFactory grains, string dataset, LocalShardReport report, string silo)
    {
        var shard = grains.GetDatasetShardGrain(dataset, report.Entry.File);
        // A silo whose file is gone holds no copy; a corrupt file is still its copy, marked corrupt by its validation.
        if (report.Validation.Sha256 is null)
            await shard.RemoveCopyAsync(silo);
        else
            await shard.AddCopyAsync(silo, report.Path);
        await shard.RecordValidationAsync(report.Validation);
        await shard.RecordStatisticsAsync(report.Statistics);
    }

    private sealed record ShardCheck(ShardEntry Entry, string Path, string? Sha256, int Decoded, int Corrupt, IReadOnlyList<string> Errors, ulong[] Hashes);

    private static List<ShardCheck> CheckShards(string directory, DatasetManifest manifest, CancellationToken cancellationToken)
    {
        var scratch = Path.Combine(Path.GetTempPath(), $"facerep-shard-check-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            var checks = new List<ShardCheck>(manifest.Shards.Count);
            foreach (var entry in manifest.Shards)
            {
                cancellationToken.ThrowIfCancellationRequested();
                checks.Add(CheckShard(directory, manifest, entry, scratch));
            }

            return checks;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// Validates one shard file and hashes its samples. The file is read through
    /// <see cref="ShardStore.Open"/>, the code training reads datasets with, so validation accepts
    /// exactly what training would: <paramref name="scratch"/> receives a one-shard manifest naming
    /// the file by its full path (ShardStore combines the manifest's directory with the file name,
    /// and a full path stands for itself), and the errors it reports name the real file.
    /// </summary>
    private static ShardCheck CheckShard(string directory, DatasetManifest manifest, ShardEntry entry, string scratch)
    {
        var path = Path.GetFullPath(Path.Combine(directory, entry.File));
        string? sha256 = null;
        if (File.Exists(path))
        {
            using var stream = File.OpenRead(path);
            sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        var view = manifest with { Count = entry.Count, Shards = [entry with { File = path }] };
        File.WriteAllBytes(Path.Combine(scratch, ShardStore.ManifestFile), JsonSerializer.SerializeToUtf8Bytes(view));
        var errors = new List<string>();
        var read = ShardStore.Open(scratch, errors.Add);

        var hashes = new ulong[read.Count];
        Parallel.For(0, read.Count, new ParallelOptions { TaskScheduler = TaskScheduler.Default },
            i => hashes[i] = PerceptualHash.Of(read.Get(i).Pixels, read.Resolution));
        return new ShardCheck(entry, path, sha256, read.Count, read.Skipped, errors, hashes);
    }
}
