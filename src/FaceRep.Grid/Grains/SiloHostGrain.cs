using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Hosting;
using FaceRep.Grid.Placement;
using FaceRep.Grid.Workers;
using Microsoft.Extensions.Options;

namespace FaceRep.Grid.Grains;

/// <summary>Reports its silo's training host: pinned there by its key, <c>{silo}/host</c>.</summary>
[SiloPinned]
public sealed class SiloHostGrain(TrainingHost host, ILocalSiloDetails silo, IOptions<GridOptions> options) : Grain, ISiloHostGrain
{
    /// <summary>The key of the host grain of <paramref name="silo"/>.</summary>
    public static string KeyFor(SiloAddress silo) => SiloPinnedPlacement.KeyFor(silo, "host");

    /// <inheritdoc />
    public Task<SiloReport> GetReportAsync() => Task.FromResult(new SiloReport(
        silo.Name, silo.SiloAddress.ToParsableString(), host.Report(), host.Draining, host.Finished, host.StartedUtc, options.Value.Executor)
    {
        Datasets = host.Datasets().Select(e => new HeldDataset(e.Name, e.Directory, Data.ImageSets.ImageSet.ToJson(e.Manifest))).ToList(),
        Benchmarks = host.Catalog().Benchmarks.Select(e => new HeldDataset(e.Name, e.Directory, Data.Benchmarks.Benchmark.ToJson(e.Manifest))).ToList(),
    });
}
