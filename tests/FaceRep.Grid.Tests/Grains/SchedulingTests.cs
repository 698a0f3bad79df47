using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace FaceRep.Grid.Tests.Grains;

/// <summary>
/// How the dispatcher orders work and how leases end, on the fixture's two silos of two devices
/// each, with the fake trainer and the grid's fake clock (leases expire only when a test moves it).
/// </summary>
public sealed class SchedulingTests : GridTests
{
    private static readonly TimeSpan RunTime = TimeSpan.FromMilliseconds(120);

    /// <summary>Evaluations that take <see cref="RunTime"/> each (and the scratch job they wait for, which does not).</summary>
    private List<JobDescriptor> Slow(int count, int firstSeed)
    {
        var jobs = GridFixture.Independent(count, firstSeed);
        foreach (var job in jobs.Where(j => j.Kind == JobKind.Evaluate))
            Grid.Executor.Delays[job.Id] = RunTime;
        return jobs;
    }

    private List<(string JobId, DateTime Start)> StartsOf(IEnumerable<JobDescriptor> jobs)
    {
        var ids = jobs.Where(j => j.Kind == JobKind.Evaluate).Select(j => j.Id).ToHashSet();
        return Grid.Executor.Runs.Where(r => ids.Contains(r.JobId)).Select(r => (r.JobId, r.Start)).OrderBy(r => r.Start).ToList();
    }

    [Fact]
    public async Task A_higher_priority_sweep_runs_before_the_queued_jobs_of_a_lower_one()
    {
        var low = Slow(24, 0);
        var high = Slow(8, 100);

        await Grid.SubmitAsync("priority-low", low, priority: 0);
        await Grid.Executor.FirstStartedAsync(low.Where(j => j.Kind == JobKind.Evaluate)).WaitAsync(TimeSpan.FromSeconds(30));
        await Grid.SubmitAsync("priority-high", high, priority: 5);
        await Grid.WaitAsync("priority-low", s => s.IsComplete);
        await Grid.WaitAsync("priority-high", s => s.IsComplete);

        var lastHigh = StartsOf(high).Max(r => r.Start);
        var lowAfter = StartsOf(low).Count(r => r.Start > lastHigh);
        // Four devices may each have taken a low job while the high sweep was being created; the
        // rest of the low sweep (at least 24 - 4 - the few started before) waits for the high one.
        Assert.True(lowAfter >= 12, $"only {lowAfter} of 24 low-priority jobs started after the last high-priority one");
    }

    [Fact]
    public async Task Pre_training_jobs_run_before_the_evaluations_of_sources_already_trained()
    {
        // Eight pre-training jobs on four devices: when the first ones end, their evaluations
        // (preferring the silo that holds their checkpoint) are ready while four pre-training jobs
        // still wait. Those go first: every evaluation waits for pre-training, the reverse never.
        var jobs = GridFixture.Jobs("""
            name: blocks
            pretrain:
              - {dataset: synth-curated, method: simclr, epochs: [1, 2, 3, 4, 5, 6, 7, 8]}
            tasks: [landmarks]
            shots: [0.05, 0.2]
            seeds: [0, 1, 2]
            """);
        foreach (var job in jobs)
            Grid.Executor.Delays[job.Id] = RunTime;

        await Grid.RunAsync("blocks", jobs);

        var runs = Grid.Executor.Runs.ToList();
        var lastPretrainStart = runs.Where(r => r.Kind == JobKind.Pretrain).Max(r => r.Start);
        var evaluationsBefore = runs.Count(r => r.Kind == JobKind.Evaluate && r.Start < lastPretrainStart);
        // A device that took the last pre-training job may start it a moment after another device
        // started an evaluation it took next; no more than the other three devices can do so.
        Assert.True(evaluationsBefore <= 3, $"{evaluationsBefore} evaluations started before the last of the 8 pre-training jobs");
        Assert.Equal(8 + 48, runs.Count);
    }

    [Fact]
    public async Task Sweeps_of_equal_priority_share_the_devices_in_turn()
    {
        var first = Slow(24, 0);
        var second = Slow(24, 100);

        await Grid.SubmitAsync("fair-first", first);
        await Grid.SubmitAsync("fair-second", second);
        await Grid.WaitAsync("fair-first", s => s.IsComplete);
        await Grid.WaitAsync("fair-second", s => s.IsComplete);

        // Queued first-come-first-served, the second sweep would start only after all 24 of the first.
        var firstIds = first.Where(j => j.Kind == JobKind.Evaluate).Select(j => j.Id).ToHashSet();
        var earliest = StartsOf(first.Concat(second)).Take(24).ToList();
        var secondShare = earliest.Count(r => !firstIds.Contains(r.JobId));
        Assert.InRange(secondShare, 8, 16);
    }

    [Fact]
    public async Task A_lease_nobody_renews_expires_and_the_job_runs_on_a_live_worker()
    {
        var job = GridFixture.Alone();
        var experiment = Grid.Client.GetGrain<IExperimentGrain>(job.Id);
        await experiment.InitAsync(job, "lease-expiry", 0);
        var activeSilo = Grid.Cluster.Silos[0].SiloAddress.ToParsableString();

        var lease = await experiment.TryLeaseAsync("ghost/cpu0", activeSilo);
        Assert.NotNull(lease);
        Assert.Equal(JobState.Leased, (await experiment.ReconcileAsync()).State);

        Grid.Time.Advance(TimeSpan.FromSeconds(11));
        var released = await experiment.ReconcileAsync();

        Assert.NotEqual(JobState.Leased, released.State);
        await Grid.Executor.EndedAsync(job.Id).WaitAsync(TimeSpan.FromSeconds(30));
        var finished = await Grid.WaitForJobAsync(job.Id, s => s.State == JobState.Succeeded);
        Assert.Equal(2, finished.Attempts);
        Assert.DoesNotContain("ghost", finished.Worker, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_whose_worker_keeps_dying_is_failed_as_poison_not_leased_forever()
    {
        var job = GridFixture.Alone();
        Grid.Executor.Delays[job.Id] = TimeSpan.FromMinutes(5);
        var experiment = Grid.Client.GetGrain<IExperimentGrain>(job.Id);
        await experiment.InitAsync(job, "poison", 0);
        var deadSilo = SiloAddress.New(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1), 1).ToParsableString();
        // Every device busy with a long job, so a released job waits in the queue for the next "dead" worker.
        var blockers = GridFixture.Independent(4);
        foreach (var blocker in blockers.Where(j => j.Kind == JobKind.Evaluate))
            Grid.Executor.Delays[blocker.Id] = TimeSpan.FromMinutes(5);
        await Grid.SubmitAsync("poison-blockers", blockers);
        await Task.WhenAll(blockers.Where(j => j.Kind == JobKind.Evaluate).Select(j => Grid.Executor.StartedAsync(j.Id))).WaitAsync(TimeSpan.FromSeconds(30));

        JobStatus status = await experiment.GetStatusAsync();
        for (var lost = 0; lost < 5 && status.State != JobState.Failed; lost++)
        {
            // The job is taken from the queue by a worker on a silo that then dies, again and again.
            var lease = await experiment.TryLeaseAsync("dead/cpu0", deadSilo);
            Assert.True(lease is not null, $"not leasable after {lost} losses: {await experiment.GetStatusAsync()}");
            status = await experiment.ReconcileAsync();
        }

        await Grid.Client.GetGrain<ISweepGrain>("poison-blockers").CancelAsync();
        Assert.Equal(JobState.Failed, status.State);
        Assert.Equal(FailureKind.Deterministic, status.Failure);
        Assert.Contains("lost its worker 5 times", status.Error, StringComparison.Ordinal);
        Assert.False(Grid.Executor.Started.ContainsKey(job.Id) && Grid.Executor.Started[job.Id].Task.IsCompleted);
    }

    [Fact]
    public async Task A_job_that_keeps_failing_transiently_stops_after_the_attempt_limit()
    {
        List<JobDescriptor> jobs = [GridFixture.Alone()];
        Grid.Executor.Failures[jobs[0].Id] = (FailureKind.Transient, 10);

        var status = await Grid.RunAsync("transient-exhausted", jobs);

        Assert.Equal(1, status.Failed);
        var job = await Grid.Client.GetGrain<IExperimentGrain>(jobs[0].Id).GetStatusAsync();
        Assert.Equal((JobState.Failed, FailureKind.Transient, 3), (job.State, job.Failure, job.Attempts));
        Assert.Equal(3, Grid.Executor.Runs.Count(r => r.JobId == jobs[0].Id));
    }

    [Fact]
    public async Task A_cancellation_naming_an_earlier_lease_does_not_stop_the_run()
    {
        var job = GridFixture.Alone();
        Grid.Executor.Delays[job.Id] = TimeSpan.FromMilliseconds(800);
        await Grid.SubmitAsync("late-cancel", [job]);
        await Grid.Executor.StartedAsync(job.Id).WaitAsync(TimeSpan.FromSeconds(30));
        var experiment = Grid.Client.GetGrain<IExperimentGrain>(job.Id);

        // A cancellation sent for this job's earlier lease (before a retry) arrives late.
        await Grid.Client.GetGrain<IWorkerGrain>(Grid.Executor.WorkerOf[job.Id]).CancelJobAsync(job.Id, token: 1);
        var finished = await Grid.WaitForJobAsync(job.Id, s => s.State is JobState.Succeeded or JobState.Failed);

        Assert.Equal(JobState.Succeeded, finished.State);
    }

    [Theory]
    [InlineData(FailureKind.OutOfMemory)]
    [InlineData(FailureKind.Deterministic)]
    public async Task Only_transient_failures_are_retried(FailureKind kind)
    {
        List<JobDescriptor> jobs = [GridFixture.Alone()];
        Grid.Executor.Failures[jobs[0].Id] = (kind, 1);

        var status = await Grid.RunAsync($"not-retried-{kind}", jobs);

        Assert.Equal(1, status.Failed);
        var job = await Grid.Client.GetGrain<IExperimentGrain>(jobs[0].Id).GetStatusAsync();
        Assert.Equal((JobState.Failed, kind, 1), (job.State, job.Failure, job.Attempts));
        Assert.Single(Grid.Executor.Runs, r => r.JobId == jobs[0].Id);
    }
}

public sealed class ReconcileReminderTests : GridTests
{
    [Fact]
    public async Task The_dispatcher_keeps_a_durable_reconciliation_reminder()
    {
        await Grid.Client.GetGrain<IDispatcherGrain>(0).GetQueueLengthAsync();
        var silo = (Orleans.TestingHost.InProcessSiloHandle)Grid.Cluster.Silos[0];
        var table = silo.SiloHost.Services.GetRequiredService<IReminderTable>();

        var entries = (await table.ReadRows(GrainId.Create(GrainType.Create("dispatcher"), GrainIdKeyExtensions.CreateIntegerKey(0)))).Reminders;

        var reminder = Assert.Single(entries, r => r.ReminderName == FaceRep.Grid.Grains.DispatcherGrain.ReconcileReminder);
        Assert.Equal(TimeSpan.FromMinutes(2), reminder.Period);
    }

    [Fact]
    public async Task An_evaluation_runs_on_the_silo_its_pretraining_ran_on_when_a_worker_there_is_free()
    {
        // Every other device is idle too, and idle workers of the other silo keep asking for work:
        // each time the evaluation must still go to its pre-training's silo.
        for (var round = 0; round < 6; round++)
        {
            var jobs = GridFixture.WithEvaluations(evaluations: 1, unique: round);
            var status = await Grid.RunAsync($"locality-{round}", jobs);

            Assert.Equal(2, status.Succeeded);
            var pretrained = Grid.Executor.WorkerOf[jobs[0].Id];
            var evaluated = Grid.Executor.WorkerOf[jobs[1].Id];
            Assert.Equal(WorkerKey.Parse(pretrained).Silo, WorkerKey.Parse(evaluated).Silo);
        }
    }
}
