using System.Diagnostics;
using FaceRep.Grid.Abstractions;
using Xunit.Abstractions;

namespace FaceRep.Cluster.Tests;

/// <summary>Tests that start several silo processes share one collection, so they never compete for the cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}

[Collection(ClusterCollection.Name)]
public sealed class SiloFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>
    /// How soon after a SIGKILL the jobs the dead silo held must run elsewhere. Membership declares
    /// it dead within ProbeTimeout × MissedProbes (1 s × 2 here; sooner, as refused connections
    /// fail probes at once), every silo tells the dispatcher, the sweeps release its leases and
    /// the jobs go to the head of the queue. Measured on 2 cores: 0.2–2.9 s (load average up to 26).
    /// </summary>
    private static readonly TimeSpan ReleaseWithin = TimeSpan.FromSeconds(15);

    /// <summary>The silo that will be killed: its jobs take longer, so it is surely running some when it dies.</summary>
    private const int Victim = 1;

    private ClusterHarness _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ClusterHarness.StartAsync(output, silos: 3, configureSilo: (i, c) => i == Victim ? c with { Executor = "sleep:1s" } : c);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_sweep_outlives_a_killed_silo_and_every_job_succeeds_once()
    {
        // Arrange: 20 pre-training jobs and 280 evaluations, 150 ms each (1 s on the victim), on 3 silos × 2 slots.
        var clock = Stopwatch.StartNew();
        var submission = Sweeps.Expand("failover", pretrainPerMethod: 10, seeds: 7);
        Assert.Equal(300, submission.Jobs.Count);
        await using var gridClient = await _cluster.ConnectAsync();
        var client = gridClient.Client;
        var sweep = client.GetGrain<ISweepGrain>(submission.Name);

        // Act: submit; when a third is done, SIGKILL a silo as it starts a job, and start a replacement.
        var submitted = await sweep.SubmitAsync(submission);
        Assert.True(submitted.Accepted, submitted.Error);
        var third = await Sweeps.WaitAsync(client, submission.Name, s => s.Succeeded >= s.Total / 3, TimeSpan.FromSeconds(90));
        var victim = _cluster.Silos[Victim];
        var killedAt = await victim.KillWhileRunningAsync(_cluster.RunLogPath, TimeSpan.FromSeconds(30));
        var killedAfter = clock.Elapsed;
        var replacement = _cluster.StartSilo();
        var status = await Sweeps.WaitAsync(client, submission.Name, s => s.IsComplete, TimeSpan.FromSeconds(120));
        var completedAfter = clock.Elapsed;
        await replacement.WaitReadyAsync(TimeSpan.FromSeconds(30));

        // Assert: every job succeeded, and the counters agree with the jobs themselves.
        Assert.Equal(submission.Jobs.Count, status.Total);
        Assert.Equal(status.Total, status.Succeeded);
        Assert.Equal(0, status.Failed);
        var ids = await sweep.GetJobIdsAsync();
        var jobs = await Task.WhenAll(ids.Select(id => client.GetGrain<IExperimentGrain>(id).GetStatusAsync()));
        Assert.All(jobs, j => Assert.Equal(JobState.Succeeded, j.State));
        Assert.Equal(status.Succeeded, jobs.Count(j => j.State == JobState.Succeeded));
        Assert.Equal((status.Waiting, status.Ready, status.Running, status.Failed),
            (jobs.Count(j => j.State == JobState.Waiting), jobs.Count(j => j.State == JobState.Ready), jobs.Count(j => j.State == JobState.Leased), jobs.Count(j => j.State == JobState.Failed)));

        // The run log: each job's recorded attempt is one run that ended well; only the victim left runs unfinished.
        var runs = RunLog.Read(_cluster.RunLogPath);
        var byJob = runs.ToLookup(r => r.JobId);
        foreach (var job in jobs)
        {
            var recorded = byJob[job.Id].Where(r => r.Attempt == job.Attempts).ToList();
            var run = Assert.Single(recorded);
            Assert.True(run.Succeeded, $"job {job.Id}'s recorded attempt {job.Attempts} ended '{run.Outcome}'");
        }

        Assert.DoesNotContain(runs, r => r.End is null && !victim.Owns(r.Silo));
        var unfinished = runs.Where(r => r.End is null).ToList();
        Assert.All(unfinished, r => Assert.True(r.Start <= killedAt, $"run {r} started after its silo was killed"));
        Assert.NotEmpty(unfinished);

        // No job ran on two devices at once (a run the kill cut short lasted until the kill).
        foreach (var job in byJob)
        {
            var spans = job.Select(r => (r.Start, End: r.End ?? killedAt, r.Silo, r.Device)).OrderBy(s => s.Start).ToList();
            for (var i = 1; i < spans.Count; i++)
                Assert.True(spans[i].Start >= spans[i - 1].End, $"job {job.Key} ran on {spans[i - 1].Silo}/{spans[i - 1].Device} and {spans[i].Silo}/{spans[i].Device} at once");
        }

        // The jobs the dead silo held ran again elsewhere soon after the kill.
        Assert.All(unfinished, r => Assert.Contains(byJob[r.JobId], o => o.Start > killedAt));
        var releases = unfinished.Select(r => byJob[r.JobId].Where(o => o.Start > killedAt).Min(o => o.Start) - killedAt).ToList();
        var duplicates = byJob.Sum(j => Math.Max(0, j.Count(r => r.Succeeded) - 1));
        output.WriteLine($"300 jobs on 3 silos x 2 slots; SIGKILLed {victim.Name} at {killedAfter.TotalSeconds:F1} s ({third.Succeeded} done), " +
            $"sweep complete at {completedAfter.TotalSeconds:F1} s; {runs.Count} runs, {unfinished.Count} cut short by the kill, " +
            $"{duplicates} finished runs beyond one per job; re-leased after {string.Join(", ", releases.Select(r => $"{r.TotalSeconds:F1} s"))}");
        Assert.All(releases, r => Assert.True(r < ReleaseWithin, $"a job the dead silo held ran again only {r.TotalSeconds:F1} s after the kill"));
    }
}
