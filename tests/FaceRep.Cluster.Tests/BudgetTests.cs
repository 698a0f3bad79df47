using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using Xunit.Abstractions;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// Per-job budgets on real silo processes, one device each: a silo whose jobs hold 600 MiB
/// against a 200 MiB budget, and one whose jobs take 30 s against a 1.5 s budget. Each silo gets
/// its own sweep by placement (the sleep trainer never touches its device, so the memory silo can
/// offer a "cuda0"), so which silo runs what does not depend on how fast either is.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BudgetTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ClusterHarness _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ClusterHarness.StartAsync(output, silos: 2, configureSilo: (i, c) => i == 0
            ? c with { Devices = "cuda0", Executor = "sleep:30s:600MB", JobMemoryBudgetMB = 200 }
            : c with { Devices = "cpu0", Executor = "sleep:30s", JobTimeBudgetMinutes = 0.025 });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_job_over_its_memory_or_time_budget_fails_with_that_reason_once_and_its_worker_goes_on()
    {
        // Arrange: three pre-training jobs for each silo (and their evaluations, which wait for them).
        await using var gridClient = await _cluster.ConnectAsync();
        var client = gridClient.Client;
        var (memorySilo, timeSilo) = (_cluster.Silos[0], _cluster.Silos[1]);
        // Different methods: a job in two sweeps would be one job, run wherever it was placed first.
        var sweeps = new[] { (Sweeps.FromSpec(Spec("budget-memory", "moco", "gpu")), memorySilo), (Sweeps.FromSpec(Spec("budget-time", "simclr", "cpu")), timeSilo) };
        foreach (var (submission, _) in sweeps)
        {
            var submitted = await client.GetGrain<ISweepGrain>(submission.Name).SubmitAsync(submission);
            Assert.True(submitted.Accepted, submitted.Error);
        }

        // Act: each sweep ends when every job in it has failed; nothing else is waited for.
        foreach (var (submission, _) in sweeps)
        {
            var status = await Sweeps.WaitAsync(client, submission.Name, s => s.IsComplete, TimeSpan.FromMinutes(5));
            Assert.Equal(submission.Jobs.Count, status.Failed);
        }

        // Assert: every pre-training job was stopped over budget on its first and only attempt, on
        // its silo's one device, with that silo's budget; so that device went on to the next job.
        var runs = RunLog.Read(_cluster.RunLogPath);
        foreach (var (submission, silo) in sweeps)
        {
            var pretrain = submission.Jobs.Where(j => j.Kind == JobKind.Pretrain).ToList();
            Assert.Equal(3, pretrain.Count);
            foreach (var job in pretrain)
            {
                var state = await client.GetGrain<IExperimentGrain>(job.Id).GetStatusAsync();
                var run = Assert.Single(runs, r => r.JobId == job.Id);
                Assert.True(silo.Owns(run.Silo), $"{job.Id} ran on {run.Silo}");
                Assert.Equal(FailureKind.OverBudget, state.Failure);
                Assert.Equal(1, state.Attempts);
                Assert.Equal("cancelled", run.Outcome);
                var seconds = (run.End!.Value - run.Start).TotalSeconds;
                if (silo == memorySilo)
                {
                    Assert.Contains("exceeded the memory budget of 200 MiB per job", state.Error, StringComparison.Ordinal);
                }
                else
                {
                    Assert.Contains("exceeded the time budget of 1.5 s per job", state.Error, StringComparison.Ordinal);
                    // Not before the budget ran out; how long after depends on the machine's load.
                    Assert.True(seconds >= 1.45, $"{job.Id} was stopped after {seconds:F2} s, before its 1.5 s budget");
                }

                output.WriteLine($"{job.Id} on {run.Silo}: stopped after {seconds:F2} s: {state.Error}");
            }
        }

        Assert.False(memorySilo.Process.HasExited);
        Assert.False(timeSilo.Process.HasExited);
    }

    private static string Spec(string name, string method, string device) => $$"""
        name: {{name}}
        pretrain:
          - {dataset: synth-curated, method: {{method}}, epochs: [1, 2, 3]}
        tasks: [landmarks]
        shots: [0.05]
        seeds: [0]
        placement: {pretrain: {{device}}}
        """;
}
