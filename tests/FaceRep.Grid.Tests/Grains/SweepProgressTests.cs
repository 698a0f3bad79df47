using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;

namespace FaceRep.Grid.Tests.Grains;

/// <summary>What <c>facerep sweep watch</c> and <c>status</c> read: counts per stage, the latest failures, and the cluster's list of sweeps.</summary>
public sealed class SweepProgressTests : GridTests
{
    [Fact]
    public async Task Progress_counts_each_stage_and_names_the_latest_failures_with_their_errors()
    {
        // One pre-training job with six evaluations; two evaluations fail for good.
        var jobs = GridFixture.WithEvaluations(evaluations: 6);
        var failing = jobs.Where(j => j.Kind == JobKind.Evaluate).Take(2).Select(j => j.Id).ToList();
        foreach (var id in failing)
            Grid.Executor.Failures[id] = (FailureKind.Deterministic, 1);

        var status = await Grid.RunAsync("progress", jobs);
        var sweep = Grid.Client.GetGrain<ISweepGrain>("progress");
        var progress = await sweep.GetProgressAsync(failures: 5);
        var one = await sweep.GetProgressAsync(failures: 1);
        var none = await sweep.GetProgressAsync(failures: 0);

        Assert.Equal((7, 5, 2), (status.Total, status.Succeeded, status.Failed));
        Assert.Equal(status, progress.Status);
        Assert.Equal(
            [new StageProgress(JobKind.Pretrain, 1, 0, 0, 0, 1, 0), new StageProgress(JobKind.Evaluate, 6, 0, 0, 0, 4, 2)],
            progress.Stages);
        Assert.Equal(failing.Order(StringComparer.Ordinal), progress.Failures.Select(f => f.JobId).Order(StringComparer.Ordinal));
        Assert.All(progress.Failures, f =>
        {
            Assert.Equal(JobKind.Evaluate, f.Kind);
            Assert.Equal(FailureKind.Deterministic, f.Failure);
            Assert.False(string.IsNullOrWhiteSpace(f.Error));
            Assert.NotNull(f.FinishedUtc);
            Assert.Equal(1, f.Attempts);
        });
        // Newest first, and no more than asked for.
        Assert.True(progress.Failures[0].FinishedUtc >= progress.Failures[1].FinishedUtc);
        Assert.Equal(progress.Failures[0].JobId, Assert.Single(one.Failures).JobId);
        Assert.Empty(none.Failures);
    }

    [Fact]
    public async Task The_dispatcher_lists_every_sweep_submitted_and_whether_it_has_work_left()
    {
        var finished = GridFixture.Independent(2);
        var waiting = GridFixture.Independent(1, firstSeed: 10);
        Grid.Executor.Delays[waiting[0].Id] = TimeSpan.FromSeconds(3);
        await Grid.RunAsync("listed-finished", finished);
        await Grid.SubmitAsync("listed-running", waiting);

        var known = await Grid.Client.GetGrain<IDispatcherGrain>(0).GetSweepsAsync();

        var done = Assert.Single(known, k => k.Name == "listed-finished");
        var running = Assert.Single(known, k => k.Name == "listed-running");
        Assert.False(done.Active);
        Assert.True(running.Active);
        Assert.True(done.FirstSeenUtc <= running.FirstSeenUtc);
        Assert.DoesNotContain(known, k => k.Name == "never-submitted");
        await Grid.Client.GetGrain<ISweepGrain>("listed-running").CancelAsync();
    }
}
