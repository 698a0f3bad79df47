using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using Xunit.Abstractions;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// Per-job budgets on real silo processes: one silo whose jobs hold 600 MiB against a 200 MiB
/// budget, one whose jobs take 5 s against a 1.5 s budget, one device each.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BudgetTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ClusterHarness _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ClusterHarness.StartAsync(output, silos: 2, configureSilo: (i, c) => i == 0
            ? c with { CpuSlots = 1, Executor = "sleep:3s:600MB", JobMemoryBudgetMB = 200 }
            : c with { CpuSlots = 1, Executor = "sleep:5s", JobTimeBudgetMinutes = 0.025 });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_job_over_its_memory_or_time_budget_fails_with_that_reason_once_and_its_worker_goes_on()
    {
        // Arrange: 6 pre-training jobs (and 12 evaluations that wait for them).
        await using var gridClient = await _cluster.ConnectAsync();
        var client = gridClient.Client;
        var submission = Sweeps.Expand("budgets", pretrainPerMethod: 3, seeds: 1);
        var submitted = await client.GetGrain<ISweepGrain>(submission.Name).SubmitAsync(submission);
        Assert.True(submitted.Accepted, submitted.Error);

        // Act
        var status = await Sweeps.WaitAsync(client, submission.Name, s => s.IsComplete, TimeSpan.FromSeconds(120));

        // Assert: every pre-training job failed over budget on its first and only attempt, with the
        // budget of the silo that ran it; the evaluations failed because of them.
        Assert.Equal(submission.Jobs.Count, status.Failed);
        var runs = RunLog.Read(_cluster.RunLogPath);
        var (memorySilo, timeSilo) = (_cluster.Silos[0], _cluster.Silos[1]);
        foreach (var job in submission.Jobs.Where(j => j.Kind == JobKind.Pretrain))
        {
            var state = await client.GetGrain<IExperimentGrain>(job.Id).GetStatusAsync();
            var run = Assert.Single(runs, r => r.JobId == job.Id);
            Assert.Equal(FailureKind.OverBudget, state.Failure);
            Assert.Equal(1, state.Attempts);
            Assert.Equal("cancelled", run.Outcome);
            if (memorySilo.Owns(run.Silo))
                Assert.Contains("exceeded the memory budget of 200 MiB per job", state.Error, StringComparison.Ordinal);
            else
                Assert.Contains("exceeded the time budget of 1.5 s per job", state.Error, StringComparison.Ordinal);
            output.WriteLine($"{job.Id} on {run.Silo}: stopped after {(run.End!.Value - run.Start).TotalSeconds:F2} s: {state.Error}");
        }

        // Each silo's one worker went on to its next job after stopping one, and both silos live.
        Assert.True(runs.Count(r => memorySilo.Owns(r.Silo)) >= 2, "the memory silo's worker did not take another job");
        Assert.True(runs.Count(r => timeSilo.Owns(r.Silo)) >= 2, "the time silo's worker did not take another job");
        Assert.All(runs.Where(r => timeSilo.Owns(r.Silo)), r => Assert.InRange((r.End!.Value - r.Start).TotalSeconds, 1.4, 3.0));
        Assert.False(memorySilo.Process.HasExited);
        Assert.False(timeSilo.Process.HasExited);
    }
}
