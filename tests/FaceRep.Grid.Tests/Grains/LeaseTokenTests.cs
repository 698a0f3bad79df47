using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;

namespace FaceRep.Grid.Tests.Grains;

public sealed class LeaseTokenTests : GridTests
{
    [Fact]
    public async Task A_late_report_about_an_earlier_lease_is_refused_even_with_the_same_worker_and_attempt_number()
    {
        // Arrange: a job no worker of this cluster can take (it asks for a GPU), leased by hand to a
        // worker of a live silo, handed back, and leased to the same worker again.
        var job = GridFixture.Alone() with { Requires = "gpu" };
        var grain = Grid.Client.GetGrain<IExperimentGrain>(job.Id);
        await grain.InitAsync(job, "lease-tokens", 0);
        var silo = Grid.Cluster.Silos[0].SiloAddress.ToParsableString();
        var worker = new WorkerKey(silo, "gpu9").ToString();
        var first = await grain.TryLeaseAsync(worker, silo);
        Assert.NotNull(first);
        Assert.True(await grain.ReturnLeaseAsync(worker, first.Token));
        var second = await grain.TryLeaseAsync(worker, silo);
        Assert.NotNull(second);
        // The attempt number came back down with the hand-back: it cannot tell the two leases apart.
        Assert.Equal(first.Attempt, second.Attempt);
        Assert.NotEqual(first.Token, second.Token);

        // Act: every call about the first lease arrives late.
        var renewed = await grain.RenewLeaseAsync(worker, first.Token);
        var failed = await grain.FailAsync(worker, first.Token, FailureKind.Deterministic, "a late failure of the first lease");
        var completed = await grain.CompleteAsync(worker, first.Token);
        var returned = await grain.ReturnLeaseAsync(worker, first.Token);

        // Assert: refused; the second lease holds and finishes the job.
        Assert.False(renewed);
        Assert.False(failed);
        Assert.False(completed);
        Assert.False(returned);
        Assert.Equal(JobState.Leased, (await grain.GetStatusAsync()).State);
        Assert.True(await grain.RenewLeaseAsync(worker, second.Token));
        Assert.True(await grain.CompleteAsync(worker, second.Token));
        Assert.Equal(JobState.Succeeded, (await grain.GetStatusAsync()).State);
    }
}
