using FaceRep.Grid.Hosting;
using Microsoft.Extensions.DependencyInjection;
using FaceRep.Grid.Abstractions;

namespace FaceRep.Grid.Grains;

/// <summary>The persisted state of one dataset shard. Field ids are persisted: never renumber.</summary>
[GenerateSerializer, Alias("facerep.DatasetShardState")]
public sealed class DatasetShardState
{
    [Id(0)] public ShardDescriptor? Shard { get; set; }
    [Id(1)] public DateTime? RegisteredUtc { get; set; }
    [Id(2)] public ShardValidation? Validation { get; set; }
    [Id(3)] public ShardStatistics? Statistics { get; set; }
    /// <summary>Local copies by silo; one per silo.</summary>
    [Id(4)] public Dictionary<string, ShardCopy> Copies { get; set; } = new(StringComparer.Ordinal);
    [Id(5)] public long Version { get; set; }
}

/// <summary>
/// One shard of a dataset: its manifest entry (fixed once registered), its latest validation and
/// statistics, and the silos holding a local copy. State stays small: a few records and one entry
/// per silo. Every change is persisted before the call returns.
/// </summary>
public sealed class DatasetShardGrain(
    [PersistentState("datasetShard", GridStorage.Name)] IPersistentState<DatasetShardState> state,
    [FromKeyedServices(GridTime.Key)] TimeProvider time) : Grain, IDatasetShardGrain
{
    private DatasetShardState S => state.State;
    private string Key => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public async Task<ShardRegistration> RegisterAsync(ShardDescriptor shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (shard.Key != Key)
            throw new ArgumentException($"shard {shard.Key} sent to shard {Key}", nameof(shard));

        if (S.Shard is { } registered)
        {
            if (registered == shard)
                return new ShardRegistration(true, null, Info());
            return new ShardRegistration(false,
                $"shard {Key} is registered as {Describe(registered)}, not {Describe(shard)}: its content changed. " +
                "A registered shard's content never changes; write the new data as a new dataset.",
                Info());
        }

        S.Shard = shard;
        S.RegisteredUtc = time.GetUtcNow().UtcDateTime;
        await SaveAsync();
        return new ShardRegistration(true, null, Info());
    }

    /// <inheritdoc />
    public async Task RecordValidationAsync(ShardValidation validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        EnsureRegistered();
        if (validation.Errors.Count > ShardValidation.MaxErrors)
            validation = validation with { Errors = validation.Errors.Take(ShardValidation.MaxErrors).ToArray() };
        S.Validation = validation;
        if (S.Copies.TryGetValue(validation.Silo, out var copy))
            S.Copies[validation.Silo] = copy with { Validation = validation };
        await SaveAsync();
    }

    /// <inheritdoc />
    public async Task RecordStatisticsAsync(ShardStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        EnsureRegistered();
        if (statistics == S.Statistics)
            return;
        S.Statistics = statistics;
        await SaveAsync();
    }

    /// <inheritdoc />
    public async Task AddCopyAsync(string silo, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        EnsureRegistered();
        if (S.Copies.TryGetValue(silo, out var existing) && existing.Path == path)
            return;
        S.Copies[silo] = new ShardCopy(silo, path, time.GetUtcNow().UtcDateTime, null);
        await SaveAsync();
    }

    /// <inheritdoc />
    public async Task<bool> RemoveCopyAsync(string silo)
    {
        if (!S.Copies.Remove(silo))
            return false;
        await SaveAsync();
        return true;
    }

    /// <inheritdoc />
    public Task<ShardInfo> GetAsync() => Task.FromResult(Info());

    private ShardInfo Info()
    {
        var (dataset, file) = DatasetShardKey.Parse(Key);
        var copies = S.Copies.Values.OrderBy(c => c.Silo, StringComparer.Ordinal).ToArray();
        return new ShardInfo(dataset, file, S.Shard, S.RegisteredUtc, S.Validation, S.Statistics, copies, S.Version);
    }

    private void EnsureRegistered()
    {
        if (S.Shard is null)
            throw new InvalidOperationException($"shard {Key} is not registered; register its dataset first");
    }

    private static string Describe(ShardDescriptor shard) =>
        $"{shard.Samples} sample(s), {shard.Bytes} bytes, sha256 {shard.Sha256}";

    private async Task SaveAsync()
    {
        S.Version++;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The change is not persisted: drop it with the activation, so the next call sees the stored state.
            DeactivateOnIdle();
            throw;
        }
    }
}
