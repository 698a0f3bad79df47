namespace FaceRep.Grid.Abstractions;

/// <summary>
/// One shard of a dataset, keyed <c>{dataset}/{shardFile}</c> (see <see cref="DatasetShardKey"/>):
/// its manifest entry, how its copies validated, its statistics and which silos hold a local copy.
/// </summary>
[Alias("facerep.IDatasetShardGrain")]
public interface IDatasetShardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the shard's manifest entry. Registering the same entry again changes nothing. An entry
    /// whose checksum, sample count or size differs from the registered one is refused, not
    /// recorded: a shard's content never changes under its name, since copies on other silos,
    /// statistics and results all refer to the content first registered. Write changed data as a
    /// new dataset.
    /// </summary>
    [Alias("Register")]
    Task<ShardRegistration> RegisterAsync(ShardDescriptor shard);

    /// <summary>
    /// Records how a silo's copy validated. It becomes the shard's latest validation and, if that
    /// silo holds a copy, that copy's validation. Throws if the shard is not registered.
    /// </summary>
    [Alias("RecordValidation")]
    Task RecordValidationAsync(ShardValidation validation);

    /// <summary>Records the shard's statistics, replacing earlier ones. Throws if the shard is not registered.</summary>
    [Alias("RecordStatistics")]
    Task RecordStatisticsAsync(ShardStatistics statistics);

    /// <summary>
    /// Records that <paramref name="silo"/> holds a local copy at <paramref name="path"/> (idempotent).
    /// A copy at a new path replaces the silo's old one and forgets its validation. Throws if the
    /// shard is not registered.
    /// </summary>
    [Alias("AddCopy")]
    Task AddCopyAsync(string silo, string path);

    /// <summary>Forgets <paramref name="silo"/>'s copy; false if it held none.</summary>
    [Alias("RemoveCopy")]
    Task<bool> RemoveCopyAsync(string silo);

    /// <summary>Everything known about the shard.</summary>
    [Alias("Get")]
    Task<ShardInfo> GetAsync();
}

/// <summary>
/// A dataset, keyed by its name: its shard list, written once from its manifest, and a summary
/// gathered from its shards' grains.
/// </summary>
[Alias("facerep.IDatasetGrain")]
public interface IDatasetGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers the dataset and each of its shards. Registering the same manifest again changes
    /// nothing (and registers any shard a crash left out); a different shard list, or a shard whose
    /// grain refuses its entry, is refused and the dataset is left as it was.
    /// </summary>
    [Alias("Register")]
    Task<DatasetRegistration> RegisterAsync(DatasetDescriptor dataset);

    /// <summary>The shards' file names in manifest order; empty if the dataset is not registered.</summary>
    [Alias("GetShards")]
    Task<IReadOnlyList<string>> GetShardsAsync();

    /// <summary>Totals over the dataset's shards, read from their grains now.</summary>
    [Alias("GetSummary")]
    Task<DatasetSummary> GetSummaryAsync();
}

/// <summary>Builds and reads the keys of <see cref="IDatasetShardGrain"/>: <c>{dataset}/{shardFile}</c>.</summary>
public static class DatasetShardKey
{
    /// <summary>The key of a dataset's shard; dataset names may not contain '/', file names may.</summary>
    public static string Of(string dataset, string file)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        if (dataset.Contains('/', StringComparison.Ordinal))
            throw new ArgumentException($"dataset name '{dataset}' may not contain '/'", nameof(dataset));
        return $"{dataset}/{file}";
    }

    /// <summary>The dataset and file a key names.</summary>
    public static (string Dataset, string File) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == key.Length - 1)
            throw new ArgumentException($"'{key}' is not a shard key of the form {{dataset}}/{{shardFile}}", nameof(key));
        return (key[..slash], key[(slash + 1)..]);
    }

    /// <summary>The grain of a dataset's shard.</summary>
    public static IDatasetShardGrain GetDatasetShardGrain(this IGrainFactory grains, string dataset, string file) =>
        grains.GetGrain<IDatasetShardGrain>(Of(dataset, file));
}

/// <summary>A shard's manifest entry.</summary>
/// <param name="Dataset">The dataset's name.</param>
/// <param name="File">The shard's file name, relative to the dataset's directory.</param>
/// <param name="Samples">Samples the manifest says it holds.</param>
/// <param name="Sha256">SHA-256 of the file, lower-case hex.</param>
/// <param name="Bytes">File size.</param>
[GenerateSerializer, Immutable, Alias("facerep.ShardDescriptor")]
public sealed record ShardDescriptor(
    [property: Id(0)] string Dataset,
    [property: Id(1)] string File,
    [property: Id(2)] int Samples,
    [property: Id(3)] string Sha256,
    [property: Id(4)] long Bytes)
{
    /// <summary>The key of the shard's grain.</summary>
    public string Key => DatasetShardKey.Of(Dataset, File);
}

/// <summary>The outcome of validating one silo's copy of a shard: re-hashing it and decoding its samples.</summary>
/// <param name="Silo">The silo whose copy was validated.</param>
/// <param name="Decoded">Samples that decoded.</param>
/// <param name="Corrupt">Samples that did not (all of them when the file is missing or fails its checksum).</param>
/// <param name="Sha256">The file's SHA-256 as found, lower-case hex; null when the file is missing.</param>
/// <param name="Errors">The first problems found, each naming the file.</param>
/// <param name="ValidatedUtc">When it was validated.</param>
[GenerateSerializer, Immutable, Alias("facerep.ShardValidation")]
public sealed record ShardValidation(
    [property: Id(0)] string Silo,
    [property: Id(1)] int Decoded,
    [property: Id(2)] int Corrupt,
    [property: Id(3)] string? Sha256,
    [property: Id(4)] IReadOnlyList<string> Errors,
    [property: Id(5)] DateTime ValidatedUtc)
{
    /// <summary>Problems a validation keeps; the rest are counted in <see cref="Corrupt"/> only.</summary>
    public const int MaxErrors = 5;

    /// <summary>True when no sample was corrupt.</summary>
    public bool IsValid => Corrupt == 0;
}

/// <summary>A shard's statistics, for the redundancy study.</summary>
/// <param name="Samples">Samples examined (those that decoded).</param>
/// <param name="NearDuplicates">Of those, samples with a near-duplicate anywhere in the dataset (this shard or another).</param>
/// <param name="Threshold">Hamming distance of 64-bit perceptual hashes at or below which two samples are near-duplicates.</param>
/// <param name="ComputedUtc">When they were computed.</param>
[GenerateSerializer, Immutable, Alias("facerep.ShardStatistics")]
public sealed record ShardStatistics(
    [property: Id(0)] int Samples,
    [property: Id(1)] int NearDuplicates,
    [property: Id(2)] int Threshold,
    [property: Id(3)] DateTime ComputedUtc)
{
    /// <summary>Share of the examined samples that are near-duplicates.</summary>
    public double NearDuplicateRate => Samples == 0 ? 0 : (double)NearDuplicates / Samples;
}

/// <summary>A silo's local copy of a shard.</summary>
/// <param name="Silo">The silo holding it.</param>
/// <param name="Path">Where the file is on that silo.</param>
/// <param name="AddedUtc">When the copy was recorded.</param>
/// <param name="Validation">The copy's latest validation, if it has been validated.</param>
[GenerateSerializer, Immutable, Alias("facerep.ShardCopy")]
public sealed record ShardCopy(
    [property: Id(0)] string Silo,
    [property: Id(1)] string Path,
    [property: Id(2)] DateTime AddedUtc,
    [property: Id(3)] ShardValidation? Validation)
{
    /// <summary>False when the copy's latest validation found corrupt samples; an unvalidated copy counts as usable.</summary>
    public bool IsUsable => Validation is null || Validation.IsValid;
}

/// <summary>Everything a shard's grain knows.</summary>
/// <param name="Dataset">The dataset (from the grain's key).</param>
/// <param name="File">The shard's file name (from the grain's key).</param>
/// <param name="Shard">The registered manifest entry; null if the shard was never registered.</param>
/// <param name="RegisteredUtc">When it was first registered.</param>
/// <param name="Validation">The latest validation of any copy.</param>
/// <param name="Statistics">The latest statistics.</param>
/// <param name="Copies">Silos holding a local copy, ordered by silo.</param>
/// <param name="Version">Incremented by every recorded change.</param>
[GenerateSerializer, Immutable, Alias("facerep.ShardInfo")]
public sealed record ShardInfo(
    [property: Id(0)] string Dataset,
    [property: Id(1)] string File,
    [property: Id(2)] ShardDescriptor? Shard,
    [property: Id(3)] DateTime? RegisteredUtc,
    [property: Id(4)] ShardValidation? Validation,
    [property: Id(5)] ShardStatistics? Statistics,
    [property: Id(6)] IReadOnlyList<ShardCopy> Copies,
    [property: Id(7)] long Version)
{
    /// <summary>True once the shard's manifest entry is recorded.</summary>
    public bool IsRegistered => Shard is not null;

    /// <summary>True when the latest validation found corrupt samples.</summary>
    public bool IsCorrupt => Validation is { IsValid: false };
}

/// <summary>The answer to a shard's registration.</summary>
/// <param name="Accepted">False when the shard is registered with a different entry.</param>
/// <param name="Error">Why it was refused.</param>
/// <param name="Info">The shard after registration.</param>
[GenerateSerializer, Immutable, Alias("facerep.ShardRegistration")]
public sealed record ShardRegistration(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] string? Error,
    [property: Id(2)] ShardInfo Info);

/// <summary>A dataset's manifest as the grid carries it.</summary>
/// <param name="Name">The dataset's name (no '/').</param>
/// <param name="Source">Where its samples came from.</param>
/// <param name="Resolution">Image size.</param>
/// <param name="Shards">Its shards, in sample order; each names this dataset.</param>
[GenerateSerializer, Immutable, Alias("facerep.DatasetDescriptor")]
public sealed record DatasetDescriptor(
    [property: Id(0)] string Name,
    [property: Id(1)] string Source,
    [property: Id(2)] int Resolution,
    [property: Id(3)] IReadOnlyList<ShardDescriptor> Shards)
{
    /// <summary>Samples in all shards, as the manifest says.</summary>
    public int Samples => Shards.Sum(s => s.Samples);
}

/// <summary>The answer to a dataset's registration.</summary>
/// <param name="Accepted">False when the dataset is registered with other shards, or a shard refused its entry.</param>
/// <param name="Error">Why it was refused, naming the shard when one refused.</param>
/// <param name="Shards">Shards in the registered dataset (0 when refused before any was registered).</param>
[GenerateSerializer, Immutable, Alias("facerep.DatasetRegistration")]
public sealed record DatasetRegistration(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] string? Error,
    [property: Id(2)] int Shards);

/// <summary>Totals over a dataset's shards.</summary>
/// <param name="Name">The dataset.</param>
/// <param name="IsRegistered">False for a dataset never registered (every count is then 0).</param>
/// <param name="Shards">Shards in the manifest.</param>
/// <param name="Samples">Samples in the manifest.</param>
/// <param name="ShardsValidated">Shards validated at least once.</param>
/// <param name="ShardsCorrupt">Shards whose latest validation found corrupt samples.</param>
/// <param name="DecodedSamples">Samples that decoded, by each shard's latest validation.</param>
/// <param name="CorruptSamples">Samples that did not, by each shard's latest validation.</param>
/// <param name="ExaminedSamples">Samples the shards' statistics cover.</param>
/// <param name="NearDuplicates">Of those, samples with a near-duplicate elsewhere in the dataset.</param>
/// <param name="CorruptShards">File names of the corrupt shards, in manifest order.</param>
/// <param name="CompleteCopies">
/// Silos holding a copy of every shard with none of those copies known to be corrupt, ordered by name.
/// </param>
[GenerateSerializer, Immutable, Alias("facerep.DatasetSummary")]
public sealed record DatasetSummary(
    [property: Id(0)] string Name,
    [property: Id(1)] bool IsRegistered,
    [property: Id(2)] int Shards,
    [property: Id(3)] int Samples,
    [property: Id(4)] int ShardsValidated,
    [property: Id(5)] int ShardsCorrupt,
    [property: Id(6)] int DecodedSamples,
    [property: Id(7)] int CorruptSamples,
    [property: Id(8)] int ExaminedSamples,
    [property: Id(9)] int NearDuplicates,
    [property: Id(10)] IReadOnlyList<string> CorruptShards,
    [property: Id(11)] IReadOnlyList<string> CompleteCopies)
{
    /// <summary>Share of the examined samples that are near-duplicates.</summary>
    public double NearDuplicateRate => ExaminedSamples == 0 ? 0 : (double)NearDuplicates / ExaminedSamples;

    /// <summary>An empty summary for a dataset that was never registered.</summary>
    public static DatasetSummary None(string name) => new(name, false, 0, 0, 0, 0, 0, 0, 0, 0, [], []);
}
