using FaceRep.Grid.Abstractions;

namespace FaceRep.Grid.Tests.Grains;

/// <summary>A cluster of its own: the test collects every idle activation, which would disturb other tests' grains.</summary>
public sealed class FinishedSweepFixture : GridFixture;

public sealed class FinishedSweepTests(FinishedSweepFixture grid) : IClassFixture<FinishedSweepFixture>
{
    private readonly FinishedSweepFixture _grid = grid;

    [Fact]
    public async Task Reading_a_finished_sweep_after_it_was_deactivated_activates_none_of_its_jobs()
    {
        // Arrange: a finished sweep; then every idle activation in the cluster is collected.
        var (name, jobs) = GridFixture.Sweep("read-finished", seeds: "[12, 13]", epochs: 12);
        var finished = await _grid.RunAsync(name, jobs);
        var management = _grid.Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        Assert.Empty(await ActiveAsync(management, jobs));

        // Act: what `sweep list --all` asks of every sweep.
        var status = await _grid.Client.GetGrain<ISweepGrain>(name).GetStatusAsync();

        // Assert: the persisted counters answered; no job grain woke up.
        Assert.Equal(finished with { }, status);
        Assert.Equal(10, status.Succeeded);
        Assert.Equal(finished.CompletedUtc, status.CompletedUtc);
        Assert.Empty(await ActiveAsync(management, jobs));

        // A retry still sees every job: the sweep counts them when it needs their states.
        Assert.Equal(0, await _grid.Client.GetGrain<ISweepGrain>(name).RetryFailedAsync());
        Assert.Equal(10, (await _grid.Client.GetGrain<ISweepGrain>(name).GetStatusAsync()).Succeeded);
    }

    private static async Task<List<string>> ActiveAsync(IManagementGrain management, List<JobDescriptor> jobs)
    {
        var ids = jobs.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        var statistics = await management.GetDetailedGrainStatistics();
        return statistics.Select(s => s.GrainId.Key.ToString()!).Where(ids.Contains).ToList();
    }
}
