using FaceRep.Grid.Abstractions;
using Xunit.Abstractions;

namespace FaceRep.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ClientReconnectTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ClusterHarness _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ClusterHarness.StartAsync(output, silos: 2, c => c with { Executor = "sleep:100ms" });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_sweep_runs_on_without_its_client_and_a_new_client_reads_its_status()
    {
        // Arrange: 4 pre-training jobs and 56 evaluations on 2 silos × 2 slots.
        var submission = Sweeps.Expand("reconnect", pretrainPerMethod: 2, seeds: 7);
        var first = await _cluster.ConnectAsync();
        var submitted = await first.Client.GetGrain<ISweepGrain>(submission.Name).SubmitAsync(submission);
        Assert.True(submitted.Accepted, submitted.Error);
        await Sweeps.WaitAsync(first.Client, submission.Name, s => s.Succeeded > 0, TimeSpan.FromSeconds(60));

        // Act: the client goes away mid-sweep; a new one connects through Redis and waits for the end.
        await first.DisposeAsync();
        await using var second = await _cluster.ConnectAsync();
        var status = await Sweeps.WaitAsync(second.Client, submission.Name, s => s.IsComplete, TimeSpan.FromSeconds(60));

        // Assert
        Assert.Equal(submission.Jobs.Count, status.Total);
        Assert.Equal(status.Total, status.Succeeded);
        Assert.Equal(0, status.Failed);
        Assert.Equal(submission.Jobs.Select(j => j.Id).Order(), (await second.Client.GetGrain<ISweepGrain>(submission.Name).GetJobIdsAsync()).Order());
        var again = await second.Client.GetGrain<ISweepGrain>(submission.Name).GetStatusAsync();
        Assert.Equal(status, again);
    }
}
