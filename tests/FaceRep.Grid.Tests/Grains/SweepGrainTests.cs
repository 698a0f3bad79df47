using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;

namespace FaceRep.Grid.Tests.Grains;

public sealed class SweepGrainTests : GridTests
{
    [Fact]
    public async Task A_sweep_runs_every_job_once_and_evaluations_after_their_pretraining()
    {
        var (name, jobs) = GridFixture.Sweep("runs-once");

        var status = await Grid.RunAsync(name, jobs);

        Assert.Equal(10, status.Total);
        Assert.Equal(10, status.Succeeded);
        Assert.Equal(0, status.Failed);
        Assert.NotNull(status.CompletedUtc);
        var runs = Grid.Executor.Runs.Where(r => jobs.Any(j => j.Id == r.JobId)).ToList();
        Assert.Equal(10, runs.Count);
        Assert.Equal(10, runs.Select(r => r.JobId).Distinct().Count());
        Assert.Equal(0, Grid.Executor.Overlaps);
        foreach (var evaluation in jobs.Where(j => j.DependsOn is not null))
        {
            var pretrainEnd = runs.Single(r => r.JobId == evaluation.DependsOn).End;
            Assert.True(runs.Single(r => r.JobId == evaluation.Id).Start >= pretrainEnd, $"{evaluation.Id} started before {evaluation.DependsOn} ended");
        }

        var rows = await Grid.Results.ReadAsync(name);
        Assert.Equal(8, rows.Count);
        Assert.All(rows, r => Assert.Equal(1, r.Attempt));
    }

    [Fact]
    public async Task A_sweep_over_the_configured_limit_is_refused_with_its_size_and_the_limit_and_nothing_is_recorded()
    {
        // Arrange: one pre-training job and 2,000 evaluations, one over the limit.
        var jobs = GridFixture.WithEvaluations(evaluations: GridFixture.MaxSweepJobs);
        Assert.Equal(GridFixture.MaxSweepJobs + 1, jobs.Count);
        var sweep = Grid.Client.GetGrain<ISweepGrain>("too-large");

        // Act
        var submitted = await sweep.SubmitAsync(new SweepSubmission("too-large", "test", 0, jobs));

        // Assert: refused up front; no job, no result-store record, nothing queued.
        Assert.False(submitted.Accepted);
        Assert.Contains("the sweep has 2,001 jobs; this cluster takes at most 2,000 per sweep (MaxSweepJobs)", submitted.Error, StringComparison.Ordinal);
        Assert.Equal(0, submitted.Status.Total);
        Assert.Empty(await sweep.GetJobIdsAsync());
        Assert.Null(await Grid.Results.ReadSweepAsync("too-large"));
        Assert.Equal(JobState.Unknown, (await Grid.Client.GetGrain<IExperimentGrain>(jobs[0].Id).GetStatusAsync()).State);
    }

    [Fact]
    public async Task Resubmitting_a_sweep_reuses_every_finished_job()
    {
        var (name, jobs) = GridFixture.Sweep("resubmit");
        await Grid.RunAsync(name, jobs);
        var runsBefore = Grid.Executor.Runs.Count;

        var again = await Grid.Client.GetGrain<ISweepGrain>(name).SubmitAsync(new SweepSubmission(name, "test", 0, jobs));

        Assert.True(again.Accepted);
        Assert.True(again.Status.IsComplete);
        Assert.Equal(10, again.Status.ReusedAtSubmit);
        Assert.Equal(runsBefore, Grid.Executor.Runs.Count);
    }

    [Fact]
    public async Task Jobs_that_finish_while_a_large_sweep_is_still_being_submitted_are_not_counted_as_reused()
    {
        // Two submission batches: the pre-training queued with the first can run and finish
        // before the second batch is created. Nothing here ran before, so nothing is reused.
        var jobs = GridFixture.WithEvaluations(evaluations: 1_500);
        foreach (var job in jobs)
            Grid.Executor.Delays[job.Id] = TimeSpan.Zero;

        var status = await Grid.RunAsync("large-fresh", jobs);

        Assert.Equal(jobs.Count, status.Succeeded);
        Assert.Equal(0, status.ReusedAtSubmit);
        Assert.Equal(0, status.FailedAtSubmit);
    }

    [Fact]
    public async Task Failed_jobs_of_an_earlier_run_are_counted_apart_and_run_again_when_retried()
    {
        var (name, jobs) = GridFixture.Sweep("failed-apart");
        // The SimCLR pre-training, not the scratch one every test shares.
        var simclr = jobs.Single(j => j.Kind == JobKind.Pretrain && j.ConfigJson.Contains("simclr", StringComparison.Ordinal));
        Grid.Executor.Failures[simclr.Id] = (FailureKind.Diverged, 1);
        var first = await Grid.RunAsync(name, jobs);
        Assert.Equal(5, first.Failed);
        var sweep = Grid.Client.GetGrain<ISweepGrain>(name);

        var again = await sweep.SubmitAsync(new SweepSubmission(name, "test", 0, jobs));

        Assert.Equal(5, again.Status.ReusedAtSubmit);
        Assert.Equal(5, again.Status.FailedAtSubmit);
        Assert.True(again.Status.IsComplete);
        Assert.Equal(5, await sweep.RetryFailedAsync());
        var retried = await Grid.WaitAsync(name, s => s.IsComplete);
        Assert.Equal(10, retried.Succeeded);
        Assert.Equal(2, Grid.Executor.Runs.Count(r => r.JobId == simclr.Id));
    }

    [Fact]
    public async Task A_job_shared_by_two_sweeps_runs_once()
    {
        var (first, jobs) = GridFixture.Sweep("shared-a", seeds: "[0]");
        var (second, sameJobs) = GridFixture.Sweep("shared-b", seeds: "[0]");
        await Grid.RunAsync(first, jobs);

        var status = await Grid.RunAsync(second, sameJobs);

        Assert.Equal(status.Total, status.ReusedAtSubmit);
        Assert.Equal(jobs.Count, Grid.Executor.Runs.Count(r => jobs.Any(j => j.Id == r.JobId)));
    }

    [Fact]
    public async Task A_different_grid_under_an_existing_name_is_refused()
    {
        var (name, jobs) = GridFixture.Sweep("renamed", seeds: "[0]");
        await Grid.RunAsync(name, jobs);
        var (_, otherJobs) = GridFixture.Sweep("renamed");

        var result = await Grid.Client.GetGrain<ISweepGrain>(name).SubmitAsync(new SweepSubmission(name, "test", 0, otherJobs));

        Assert.False(result.Accepted);
        Assert.Contains("different grid", result.Error, StringComparison.Ordinal);
        Assert.Equal(jobs.Count, result.Status.Total);
    }

    [Fact]
    public async Task A_transient_failure_is_retried_and_the_result_recorded_once()
    {
        var (name, jobs) = GridFixture.Sweep("transient", shots: "[0.5]", seeds: "[0]");
        var flaky = jobs.Single(j => j.Kind == JobKind.Evaluate && j.ConfigJson.Contains("\"simclr\"", StringComparison.Ordinal));
        Grid.Executor.Failures[flaky.Id] = (FailureKind.Transient, 1);

        var status = await Grid.RunAsync(name, jobs);

        Assert.Equal(0, status.Failed);
        Assert.Equal(2, Grid.Executor.Runs.Count(r => r.JobId == flaky.Id));
        var job = await Grid.Client.GetGrain<IExperimentGrain>(flaky.Id).GetStatusAsync();
        Assert.Equal(2, job.Attempts);
        var row = Assert.Single(await Grid.Results.ReadAsync(name), r => r.JobId == flaky.Id);
        Assert.Equal(2, row.Attempt);
    }

    [Fact]
    public async Task A_failed_pretraining_fails_its_evaluations_without_running_them()
    {
        var (name, jobs) = GridFixture.Sweep("poisoned", shots: "[0.5]");
        var simclr = jobs.Single(j => j.Kind == JobKind.Pretrain && j.ConfigJson.Contains("\"simclr\"", StringComparison.Ordinal));
        Grid.Executor.Failures[simclr.Id] = (FailureKind.Deterministic, 1);

        var status = await Grid.RunAsync(name, jobs);

        Assert.Equal(3, status.Failed);          // the pre-training job and its two evaluations
        Assert.Equal(3, status.Succeeded);       // scratch and its two evaluations
        Assert.Single(Grid.Executor.Runs, r => r.JobId == simclr.Id);
        foreach (var dependent in jobs.Where(j => j.DependsOn == simclr.Id))
        {
            Assert.DoesNotContain(Grid.Executor.Runs, r => r.JobId == dependent.Id);
            var job = await Grid.Client.GetGrain<IExperimentGrain>(dependent.Id).GetStatusAsync();
            Assert.Equal(JobState.Failed, job.State);
            Assert.Contains(simclr.Id, job.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_diverged_job_is_not_retried()
    {
        var (name, jobs) = GridFixture.Sweep("diverged", shots: "[0.5]", seeds: "[0]");
        var evaluation = jobs.First(j => j.Kind == JobKind.Evaluate);
        Grid.Executor.Failures[evaluation.Id] = (FailureKind.Diverged, 5);

        var status = await Grid.RunAsync(name, jobs);

        Assert.Equal(1, status.Failed);
        Assert.Single(Grid.Executor.Runs, r => r.JobId == evaluation.Id);
        var job = await Grid.Client.GetGrain<IExperimentGrain>(evaluation.Id).GetStatusAsync();
        Assert.Equal(FailureKind.Diverged, job.Failure);
    }

    /// <summary>A sweep whose SimCLR job's first evaluation finds its checkpoint unusable on its first <paramref name="times"/> runs.</summary>
    private (string Name, List<JobDescriptor> Jobs, JobDescriptor Simclr, JobDescriptor Evaluation) WithUnusableCheckpoint(string name, int unique, int times)
    {
        var (sweep, jobs) = GridFixture.Sweep(name, shots: "[0.5]", seeds: $"[{unique}]", epochs: unique);
        var simclr = jobs.Single(j => j.Kind == JobKind.Pretrain && j.ConfigJson.Contains("\"simclr\"", StringComparison.Ordinal));
        var evaluation = jobs.First(j => j.DependsOn == simclr.Id);
        Grid.Executor.Failures[evaluation.Id] = (FailureKind.CheckpointUnusable, times);
        return (sweep, jobs, simclr, evaluation);
    }

    [Fact]
    public async Task An_evaluation_that_finds_its_checkpoint_corrupt_waits_while_its_pretraining_runs_again()
    {
        // Arrange: the first run of one evaluation finds the SimCLR checkpoint unusable.
        var (name, jobs, simclr, evaluation) = WithUnusableCheckpoint("rebuilt", 75, times: 1);

        // Act
        var status = await Grid.RunAsync(name, jobs);

        // Assert: the pre-training ran again before the evaluation's second run, and all succeeded.
        Assert.Equal(status.Total, status.Succeeded);
        var pretrainRuns = Grid.Executor.Runs.Where(r => r.JobId == simclr.Id).OrderBy(r => r.Start).ToList();
        var evaluationRuns = Grid.Executor.Runs.Where(r => r.JobId == evaluation.Id).OrderBy(r => r.Start).ToList();
        Assert.Equal(2, pretrainRuns.Count);
        Assert.Equal(2, evaluationRuns.Count);
        Assert.True(pretrainRuns[1].Start >= evaluationRuns[0].End, "the pre-training ran again before the evaluation found its checkpoint corrupt");
        Assert.True(evaluationRuns[1].Start >= pretrainRuns[1].End, "the evaluation ran again before its pre-training had");
        var job = await Grid.Client.GetGrain<IExperimentGrain>(evaluation.Id).GetStatusAsync();
        Assert.Equal(1, job.Attempts);
        Assert.Single(await Grid.Results.ReadAsync(name), r => r.JobId == evaluation.Id);
    }

    [Fact]
    public async Task A_checkpoint_that_keeps_coming_out_corrupt_is_rebuilt_three_times_then_the_evaluation_fails()
    {
        var (name, jobs, simclr, evaluation) = WithUnusableCheckpoint("rebuilt-often", 76, times: 100);

        var status = await Grid.RunAsync(name, jobs);

        Assert.Equal(1, status.Failed);
        Assert.Equal(4, Grid.Executor.Runs.Count(r => r.JobId == simclr.Id));
        Assert.Equal(4, Grid.Executor.Runs.Count(r => r.JobId == evaluation.Id));
        var job = await Grid.Client.GetGrain<IExperimentGrain>(evaluation.Id).GetStatusAsync();
        Assert.Equal(FailureKind.Deterministic, job.Failure);
        Assert.Contains($"its pre-training job {simclr.Id} was not run again", job.Error, StringComparison.Ordinal);
        Assert.Equal(JobState.Succeeded, (await Grid.Client.GetGrain<IExperimentGrain>(simclr.Id).GetStatusAsync()).State);
    }

    [Fact]
    public async Task Retrying_a_sweeps_failed_jobs_runs_them_again_and_their_evaluations_after_them()
    {
        var (name, jobs) = GridFixture.Sweep("retried", shots: "[0.5]");
        var simclr = jobs.Single(j => j.Kind == JobKind.Pretrain && j.ConfigJson.Contains("\"simclr\"", StringComparison.Ordinal));
        Grid.Executor.Failures[simclr.Id] = (FailureKind.Deterministic, 1);
        var failed = await Grid.RunAsync(name, jobs);
        Assert.Equal(3, failed.Failed);

        var retried = await Grid.Client.GetGrain<ISweepGrain>(name).RetryFailedAsync();
        var status = await Grid.WaitAsync(name, s => s.Succeeded == 6);

        Assert.Equal(3, retried);
        Assert.Equal(0, status.Failed);
        Assert.True(status.IsComplete);
        Assert.Equal(2, Grid.Executor.Runs.Count(r => r.JobId == simclr.Id));
        foreach (var dependent in jobs.Where(j => j.DependsOn == simclr.Id))
        {
            var run = Assert.Single(Grid.Executor.Runs, r => r.JobId == dependent.Id);
            Assert.True(run.Start >= Grid.Executor.Runs.Where(r => r.JobId == simclr.Id).Max(r => r.End));
        }
    }

    [Fact]
    public async Task Cancelling_a_sweep_stops_its_running_job_promptly_and_never_starts_the_rest()
    {
        var (name, jobs) = GridFixture.Sweep("cancelled", shots: "[0.5]");
        var simclr = jobs.Single(j => j.Kind == JobKind.Pretrain && j.ConfigJson.Contains("\"simclr\"", StringComparison.Ordinal));
        Grid.Executor.Delays[simclr.Id] = TimeSpan.FromMinutes(5);
        var sweep = Grid.Client.GetGrain<ISweepGrain>(name);
        var submitted = await sweep.SubmitAsync(new SweepSubmission(name, "test", 0, jobs));
        Assert.True(submitted.Accepted);
        await Grid.Executor.StartedAsync(simclr.Id).WaitAsync(TimeSpan.FromSeconds(30));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var status = await sweep.CancelAsync();
        await Grid.Executor.EndedAsync(simclr.Id).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the running job took {clock.Elapsed} to stop");
        Assert.True(status.IsCancelled);
        var job = await Grid.Client.GetGrain<IExperimentGrain>(simclr.Id).GetStatusAsync();
        Assert.Equal(FailureKind.Cancelled, job.Failure);
        foreach (var dependent in jobs.Where(j => j.DependsOn == simclr.Id))
        {
            Assert.DoesNotContain(Grid.Executor.Runs, r => r.JobId == dependent.Id);
            Assert.Equal(FailureKind.Cancelled, (await Grid.Client.GetGrain<IExperimentGrain>(dependent.Id).GetStatusAsync()).Failure);
        }

        // Resubmitting resumes the sweep: the cancelled jobs are failed, and retrying runs them.
        Grid.Executor.Delays.TryRemove(simclr.Id, out _);
        var resumed = await sweep.SubmitAsync(new SweepSubmission(name, "test", 0, jobs));
        Assert.False(resumed.Status.IsCancelled);
        await sweep.RetryFailedAsync();
        var done = await Grid.WaitAsync(name, s => s.Succeeded == jobs.Count);
        Assert.True(done.IsComplete);
    }
}
