using FaceRep.Data.Shards;
using FaceRep.Grid.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FaceRep.Grid.Datasets;

/// <summary>
/// Registers the datasets under <see cref="GridOptions.DatasetRoots"/> as this silo's copies once
/// the silo is up: validates every shard and records it in the dataset shard grains, in the
/// background (hashing and decoding a large dataset takes a while; the silo serves meanwhile). A
/// dataset that fails (unreadable manifest, registered elsewhere with other content) is logged
/// and the others still register.
/// </summary>
public sealed class DatasetRootRegistration(
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IOptions<GridOptions> options,
    ILogger<DatasetRootRegistration> log) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task<IReadOnlyList<LocalDatasetReport>> _registered = Task.FromResult<IReadOnlyList<LocalDatasetReport>>([]);

    /// <summary>The reports of the datasets registered at start, once all have been tried.</summary>
    public Task<IReadOnlyList<LocalDatasetReport>> Registered => _registered;

    /// <summary>The directories a <see cref="GridOptions.DatasetRoots"/> value lists.</summary>
    public static IReadOnlyList<string> Roots(string? value) =>
        (value ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The dataset directories under a root: the root itself if it has a manifest, else its subdirectories that do.</summary>
    public static IReadOnlyList<string> DatasetsUnder(string root) =>
        File.Exists(Path.Combine(root, ShardStore.ManifestFile))
            ? [root]
            : Directory.EnumerateDirectories(root).Where(d => File.Exists(Path.Combine(d, ShardStore.ManifestFile))).Order(StringComparer.Ordinal).ToList();

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var roots = Roots(options.Value.DatasetRoots);
        if (roots.Count > 0)
            _registered = Task.Run(() => RegisterAsync(roots, _stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _registered.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: what was registered stays registered.
        }
    }

    private async Task<IReadOnlyList<LocalDatasetReport>> RegisterAsync(IReadOnlyList<string> roots, CancellationToken cancellationToken)
    {
        var reports = new List<LocalDatasetReport>();
        foreach (var root in roots)
        {
            IReadOnlyList<string> datasets;
            try
            {
                datasets = DatasetsUnder(Path.GetFullPath(root));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.LogError("Dataset root {Root} cannot be read: {Error}", root, e.Message);
                continue;
            }

            // Imported image sets and benchmarks are read by the jobs that use them (see Data.ImageSets.DatasetCatalog); only the rest registers here.
            var catalog = Data.ImageSets.DatasetCatalog.Open([root]);
            if (datasets.Count == 0 && catalog.Entries.Count == 0 && catalog.Benchmarks.Count == 0)
            {
                log.LogWarning("Dataset root {Root} holds no dataset (no {Manifest}, {ImageSet} or {Benchmark} in it or its subdirectories)",
                    root, ShardStore.ManifestFile, Data.ImageSets.ImageSet.ManifestFile, Data.Benchmarks.Benchmark.ManifestFile);
            }
            foreach (var directory in datasets)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var report = await DatasetRegistrar.RegisterAsync(grains, directory, silo.Name, cancellationToken: cancellationToken);
                    reports.Add(report);
                    log.LogInformation("Dataset {Dataset} in {Directory}: {Shards} shard(s), {Corrupt} corrupt ({Names}); {Silos} silo(s) hold a complete copy",
                        report.Manifest.Name, directory, report.Shards.Count, report.Summary.ShardsCorrupt,
                        string.Join(", ", report.Summary.CorruptShards), report.Summary.CompleteCopies.Count);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or OrleansException or TimeoutException)
                {
                    log.LogError("Dataset in {Directory} was not registered: {Error}", directory, e.Message);
                }
            }
        }

        return reports;
    }
}
