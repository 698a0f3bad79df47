using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Hosting;

namespace FaceRep.Grid.Tests.Grains;

/// <summary>Two silos of four devices each, for jobs that need several devices of one silo.</summary>
public sealed class GangFixture : GridFixture
{
    public const int DevicesPerSilo = 4;

    public const int ThreadsPerDevice = 2;

    protected override void Configure(GridOptions options) =>
        options.Devices = string.Join(',', Enumerable.Range(0, DevicesPerSilo).Select(i => $"d{i}:{ThreadsPerDevice}"));
}

/// <summary>
/// Gang leases: a job of k devices gets k devices of one silo at once or none, nothing else runs
/// on them meanwhile, a stream of single-device jobs does not starve it, and it does not starve them.
/// </summary>
public sealed class GangLeaseTests : GridTests<GangFixture>
{
    private static string SiloOf(string worker) => WorkerKey.Parse(worker).Silo;

    /// <summary>Single-device evaluations that take <paramref name="runTime"/> each (and the scratch job they share).</summary>
    private List<JobDescriptor> Singles(int count, TimeSpan runTime)
    {
        var jobs = GridFixture.Independent(count);
        foreach (var job in jobs.Where(j => j.Kind == JobKind.Evaluate))
            Grid.Executor.Delays[job.Id] = runTime;
        return jobs;
    }

    /// <summary>
    /// Makes <paramref name="gang"/> run until <paramref name="count"/> other runs that
    /// <paramref name="counts"/> (given the run's job id and worker and the gang's worker) have run start to end while
    /// it ran: a test waits for that event rather than a window that load could stretch. If the gang
    /// starved them, it would never end and the test's wait for it would fail.
    /// </summary>
    private IDisposable HoldWhile(JobDescriptor gang, int count, Func<string, string, string, bool> counts)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        Grid.Executor.Holds[gang.Id] = done.Task;
        void Count(string job, string worker, DateTime start, DateTime end)
        {
            var executor = Grid.Executor;
            if (job != gang.Id && executor.StartOf.TryGetValue(gang.Id, out var gangStart) && start > gangStart
                && executor.WorkerOf.TryGetValue(gang.Id, out var gangWorker) && counts(job, worker, gangWorker)
                && Interlocked.Increment(ref seen) >= count)
                done.TrySetResult();
        }

        Grid.Executor.RunEnded += Count;
        return new Unsubscribe(() => Grid.Executor.RunEnded -= Count);
    }

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    [Fact]
    public async Task A_job_of_three_devices_holds_three_devices_of_one_silo_and_nothing_else_runs_on_them()
    {
        var gang = GridFixture.Alone(devices: 3);
        var singles = Singles(30, TimeSpan.FromMilliseconds(60));
        var ids = singles.Where(j => j.Kind == JobKind.Evaluate).Select(j => j.Id).ToHashSet();
        using var hold = HoldWhile(gang, 1, (job, _, _) => ids.Contains(job));
        var jobs = singles.Append(gang).ToList();

        var status = await Grid.RunAsync("gang-three", jobs);

        Assert.Equal(jobs.Count, status.Succeeded);
        var context = Grid.Executor.ContextOf[gang.Id];
        Assert.Equal(3, context.Devices.Count);
        Assert.Equal(3 * GangFixture.ThreadsPerDevice, context.Threads);
        var held = context.Gang.Prepend(context.Worker).ToList();
        Assert.Equal(3, held.Distinct().Count());
        Assert.Single(held.Select(SiloOf).Distinct());
        Assert.Equal(0, Grid.Executor.DeviceOverlaps);
        Assert.Equal(0, Grid.Executor.Overlaps);
        // Single jobs kept running beside it: on the fourth device of its silo or on the other silo.
        var gangRun = Grid.Executor.Runs.Single(r => r.JobId == gang.Id);
        Assert.Contains(Grid.Executor.Runs, r => ids.Contains(r.JobId) && r.Start > gangRun.Start && r.End < gangRun.End);
    }

    [Fact]
    public async Task A_whole_silo_job_is_not_starved_by_a_stream_of_single_jobs_nor_starves_them()
    {
        // 80 singles of 150 ms keep all eight devices busy for 1.5 s and more.
        var singles = Singles(80, TimeSpan.FromMilliseconds(150));
        var gang = GridFixture.Alone(devices: GangFixture.DevicesPerSilo);
        // It runs until two singles have run start to end on the other silo meanwhile.
        var ids = singles.Where(j => j.Kind == JobKind.Evaluate).Select(j => j.Id).ToHashSet();
        using var hold = HoldWhile(gang, 2, (job, worker, gangWorker) => ids.Contains(job) && SiloOf(worker) != SiloOf(gangWorker));
        await Grid.SubmitAsync("gang-stream-singles", singles);
        await Grid.Executor.FirstStartedAsync(singles.Where(j => j.Kind == JobKind.Evaluate)).WaitAsync(TimeSpan.FromSeconds(30));
        await Grid.SubmitAsync("gang-stream-gang", [gang]);
        await Grid.WaitAsync("gang-stream-gang", s => s.IsComplete);
        await Grid.WaitAsync("gang-stream-singles", s => s.IsComplete);

        Assert.Equal(1, (await Grid.Client.GetGrain<ISweepGrain>("gang-stream-gang").GetStatusAsync()).Succeeded);
        var runs = Grid.Executor.Runs.Where(r => ids.Contains(r.JobId)).ToList();
        var gangRun = Grid.Executor.Runs.Single(r => r.JobId == gang.Id);
        // Not starved: it ran while most of the singles still waited, not after the stream ran dry.
        var after = runs.Count(r => r.Start > gangRun.End);
        var beforeStart = runs.Count(r => r.Start < gangRun.Start);
        Assert.True(after >= 20, $"only {after} of 80 single jobs started after the whole-silo job ended; {beforeStart} started before it did");
        // Nor starving: the other silo kept running singles while its silo was held and while it ran.
        var gangSilo = SiloOf(Grid.Executor.ContextOf[gang.Id].Worker);
        var beside = runs.Count(r => r.Start > gangRun.Start && r.End < gangRun.End && SiloOf(Grid.Executor.WorkerOf[r.JobId]) != gangSilo);
        Assert.True(beside >= 2, $"only {beside} single jobs ran on the other silo during the whole-silo job");
        Assert.Equal(GangFixture.DevicesPerSilo, Grid.Executor.ContextOf[gang.Id].Devices.Count);
        Assert.Equal(0, Grid.Executor.DeviceOverlaps);
    }

    [Fact]
    public async Task A_job_larger_than_every_silo_waits_queued_while_the_rest_runs()
    {
        var gang = GridFixture.Alone(devices: GangFixture.DevicesPerSilo + 1);
        var jobs = Singles(12, TimeSpan.FromMilliseconds(20)).Append(gang).ToList();

        await Grid.SubmitAsync("gang-too-big", jobs);
        var status = await Grid.WaitAsync("gang-too-big", s => s.Succeeded == jobs.Count - 1);

        Assert.Equal(1, status.Ready);
        Assert.False(Grid.Executor.Started.ContainsKey(gang.Id));
        var queues = await Grid.Client.GetGrain<IDispatcherGrain>(0).GetQueuesAsync();
        Assert.Contains(queues, q => q.Sweep == "gang-too-big" && q.Ready == 1);
        await Grid.Client.GetGrain<ISweepGrain>("gang-too-big").CancelAsync();
    }
}
