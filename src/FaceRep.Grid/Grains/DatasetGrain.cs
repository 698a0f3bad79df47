using FaceRep.Grid.Hosting;
using Microsoft.Extensions.DependencyInjection;
using System.Security.Cryptography;
using System.Text;
using FaceRep.Grid.Abstractions;

namespace FaceRep.Grid.Grains;

/// <summary>The persisted state of one dataset, written once at registration. Field ids are persisted: never renumber.</summary>
[GenerateSerializer, Alias("facerep.DatasetState")]
public sealed class DatasetState
{
    [Id(0)] public string? Source { get; set; }
    [Id(1)] public int Resolution { get; set; }
    [Id(2)] public int Samples { get; set; }
    /// <summary>The shards' file names, in manifest order.</summary>
    [Id(3)] public List<string> Shards { get; set; } = [];
    /// <summary>SHA-256 over the resolution and each shard's entry: what "the same manifest" means.</summary>
    [Id(4)] public string? Fingerprint { get; set; }
    [Id(5)] public DateTime? RegisteredUtc { get; set; }
}

/// <summary>
/// A dataset: its shard list, written once from its manifest. Everything that changes afterwards
/// (validation, statistics, copies) lives in the shards' grains; the summary reads them when asked,
/// so it is never stale and this grain's state never grows after registration.
/// </summary>
public sealed class DatasetGrain(
    [PersistentState("dataset", GridStorage.Name)] IPersistentState<DatasetState> state,
    [FromKeyedServices(GridTime.Key)] TimeProvider time) : Grain, IDatasetGrain
{
    private DatasetState S => state.State;
    private string Name => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public async Task<DatasetRegistration> RegisterAsync(DatasetDescriptor dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Name != Name)
            throw new ArgumentException($"dataset {dataset.Name} sent to dataset {Name}", nameof(dataset));
        if (dataset.Shards.FirstOrDefault(s => s.Dataset != Name) is { } stray)
            throw new ArgumentException($"shard {stray.Key} does not belong to dataset {Name}", nameof(dataset));
        if (dataset.Shards.GroupBy(s => s.File, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"dataset {Name} lists shard {twice.Key} more than once", nameof(dataset));

        var fingerprint = Fingerprint(dataset);
        if (S.Fingerprint is not null && S.Fingerprint != fingerprint)
        {
            return new DatasetRegistration(false,
                $"dataset {Name} is registered with a different manifest ({S.Shards.Count} shard(s), {S.Samples} sample(s)); " +
                "a registered dataset never changes: write the new data under a new name.",
                S.Shards.Count);
        }

        // Registering every shard again is idempotent, and completes a registration a crash interrupted.
        var registrations = await Task.WhenAll(dataset.Shards.Select(s => GrainFactory.GetGrain<IDatasetShardGrain>(s.Key).RegisterAsync(s)));
        if (registrations.FirstOrDefault(r => !r.Accepted) is { } refused)
            return new DatasetRegistration(false, $"dataset {Name} was not registered: {refused.Error}", S.Shards.Count);

        if (S.Fingerprint is null)
        {
            S.Source = dataset.Source;
            S.Resolution = dataset.Resolution;
            S.Samples = dataset.Samples;
            S.Shards = dataset.Shards.Select(s => s.File).ToList();
            S.Fingerprint = fingerprint;
            S.RegisteredUtc = time.GetUtcNow().UtcDateTime;
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                DeactivateOnIdle();
                throw;
            }
        }

        return new DatasetRegistration(true, null, S.Shards.Count);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetShardsAsync() => Task.FromResult<IReadOnlyList<string>>(S.Shards.ToArray());

    /// <inheritdoc />
    public async Task<DatasetSummary> GetSummaryAsync()
    {
        if (S.Fingerprint is null)
            return DatasetSummary.None(Name);

        var shards = await Task.WhenAll(S.Shards.Select(f => GrainFactory.GetDatasetShardGrain(Name, f).GetAsync()));
        var validated = shards.Where(s => s.Validation is not null).ToList();
        var withStatistics = shards.Where(s => s.Statistics is not null).ToList();
        var complete = shards.Length == 0
            ? []
            : shards
                .Select(s => s.Copies.Where(c => c.IsUsable).Select(c => c.Silo))
                .Aggregate((a, b) => a.Intersect(b, StringComparer.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToArray();

        return new DatasetSummary(
            Name,
            IsRegistered: true,
            Shards: shards.Length,
            Samples: S.Samples,
            ShardsValidated: validated.Count,
            ShardsCorrupt: validated.Count(s => s.IsCorrupt),
            DecodedSamples: validated.Sum(s => s.Validation!.Decoded),
            CorruptSamples: validated.Sum(s => s.Validation!.Corrupt),
            ExaminedSamples: withStatistics.Sum(s => s.Statistics!.Samples),
            NearDuplicates: withStatistics.Sum(s => s.Statistics!.NearDuplicates),
            CorruptShards: shards.Where(s => s.IsCorrupt).Select(s => s.File).ToArray(),
            CompleteCopies: complete);
    }

    private static string Fingerprint(DatasetDescriptor dataset)
    {
        var text = new StringBuilder().Append(dataset.Resolution).Append('\n');
        foreach (var shard in dataset.Shards)
            text.Append(shard.File).Append('\t').Append(shard.Samples).Append('\t').Append(shard.Bytes).Append('\t').Append(shard.Sha256).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
