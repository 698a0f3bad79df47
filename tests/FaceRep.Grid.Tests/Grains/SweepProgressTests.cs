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
    public async Task A_running_jobs_latest_progress_is_listed_with_its_latest_knn_until_it_ends_and_its_curve_is_kept()
    {
        var job = GridFixture.Alone();
        var release = new TaskCompletionSource();
        Grid.Executor.Holds[job.Id] = release.Task;
        Grid.Executor.Points[job.Id] =
        [
            new CurvePoint(CurvePhases.Pretrain, 0, 8, null, null, null, 0.04, 0),
            new CurvePoint(CurvePhases.Pretrain, 4, 8, 3.5, 1e-3, 900, 0.08, 1),
            new CurvePoint(CurvePhases.Pretrain, 8, 8, 3.1, 1e-4, 1000, null, 2),
        ];
        await Grid.SubmitAsync("live", [job]);

        // Reports are one-way: wait for the grain to have taken the last.
        await Grid.WaitForJobAsync(job.Id, g => g.GetRunningAsync(), r => r?.Progress?.Step == 8);
        var progress = await Grid.Client.GetGrain<ISweepGrain>("live").GetProgressAsync(failures: 0);
        var gauges = Gauges(job.Id);
        release.SetResult();
        await Grid.WaitAsync("live", s => s.IsComplete);
        var after = await Grid.Client.GetGrain<ISweepGrain>("live").GetProgressAsync(failures: 0);
        var curves = await Grid.Results.ReadCurvesAsync("live");

        var running = Assert.Single(progress.Running);
        Assert.Equal((job.Id, JobKind.Pretrain, Grid.Executor.WorkerOf[job.Id]), (running.JobId, running.Kind, running.Worker));
        // The latest point, carrying the k-NN accuracy measured after step 4.
        Assert.Equal((8L, 8L, 3.1, 1000.0, 0.08, 4L), (running.Progress!.Step, running.Progress.TotalSteps, running.Progress.Loss, running.Progress.ImagesPerSecond, running.Progress.KnnAccuracy, running.Progress.KnnStep));
        Assert.Empty(after.Running);
        Assert.Equal(Grid.Executor.Points[job.Id], Assert.Single(curves).Points);
        // The silo's metrics (Prometheus) show the same, tagged with the job.
        Assert.Equal(3.1, gauges["facerep.job.loss"]);
        Assert.Equal(1000, gauges["facerep.job.images_per_second"]);
        Assert.Equal(0.08, gauges["facerep.job.knn_accuracy"]);
        Assert.Equal(1, gauges["facerep.job.progress"]);
        Assert.Empty(Gauges(job.Id));
    }

    /// <summary>The grid's per-job gauges as a metrics exporter would read them now, for one job.</summary>
    private static Dictionary<string, double> Gauges(string jobId)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FaceRep.Grid.Hosting.GridMetrics.MeterName && instrument.Name.StartsWith("facerep.job.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "job" && (string?)tag.Value == jobId)
                    values[instrument.Name] = value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public async Task A_progress_report_about_another_lease_is_not_kept()
    {
        var job = GridFixture.Alone() with { Requires = "gpu" };
        var grain = Grid.Client.GetGrain<IExperimentGrain>(job.Id);
        await grain.InitAsync(job, "live-tokens", 0);
        var silo = Grid.Cluster.Silos[0].SiloAddress.ToParsableString();
        var worker = new WorkerKey(silo, "gpu9").ToString();
        var lease = await grain.TryLeaseAsync(worker, silo);
        Assert.NotNull(lease);
        var report = new LiveProgress(CurvePhases.Pretrain, 3, 10, 2.0, 100, null, DateTime.UtcNow, null);
        var before = await grain.GetRunningAsync();

        // Later steps, had they been kept, would win over step 3.
        await grain.ReportProgressAsync(worker, lease.Token + 1, report with { Step = 7 });
        await grain.ReportProgressAsync("someone/else", lease.Token, report with { Step = 9 });
        await grain.ReportProgressAsync(worker, lease.Token, report);
        var kept = await Grid.WaitForJobAsync(job.Id, g => g.GetRunningAsync(), r => r?.Progress is not null);

        Assert.NotNull(before);
        Assert.Null(before.Progress);
        Assert.Equal(report, kept!.Progress);
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
