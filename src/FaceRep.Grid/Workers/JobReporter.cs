using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Grains;
using FaceRep.Grid.Hosting;
using FaceRep.Results.Store;
using FaceRep.Training.Runs;
using Microsoft.Extensions.Logging;

namespace FaceRep.Grid.Workers;

/// <summary>
/// Reports a finished job: writes its training curve and an evaluation's result row (first, so a crash after it loses
/// nothing), then tells the job's grain it succeeded, failed (and what kind of failure) or was
/// handed back, retrying while the store or the cluster is briefly unreachable; and tells the
/// workers that held its devices that they are free.
/// </summary>
internal sealed class JobReporter(IGrainFactory grains, IResultStore results, GridOptions options, string siloName, ILogger log)
{
    private int _handedBack;

    /// <summary>Jobs handed back to the queue since start.</summary>
    public int HandedBack => Volatile.Read(ref _handedBack);

    /// <summary>Reports <paramref name="item"/>'s outcome (or error) to the result store and its grain.</summary>
    public async Task ReportAsync(Device device, WorkItem item, JobOutcome? outcome, Exception? error)
    {
        var job = item.Lease.Job;
        var experiment = grains.Ref<IExperimentGrain>(job.Id);
        if (item.Curve.Count > 0 && !(outcome is null && item.HandBack))
        {
            // Kept for failed runs too: a curve shows how a run diverged. Losing it fails nothing.
            if (await PersistAsync(job.Id, "writing the training curve", () => results.WriteCurveAsync(new JobCurve(job.Id, item.Curve)), StoreErrors.IsTransient) is { } curveError)
                log.LogWarning(curveError, "The training curve of {JobId} was not kept: {Message}", job.Id, curveError.Message);
        }

        if (outcome is not null && job.Kind == JobKind.Evaluate)
        {
            var row = ResultRow.ForEvaluation((EvaluateConfig)JobConfig.Parse(job.ConfigJson), outcome.Metrics, outcome.Duration,
                $"{siloName}/{device.Name}", item.Lease.Attempt, options.Versions, outcome.TrainIndices);
            if (await WriteResultAsync(job.Id, row) is { } e)
                (outcome, error) = (null, new IOException($"writing the result failed: {e.Message}", e));
        }

        if (outcome is null && item.HandBack)
        {
            // Stopped because the silo is stopping: not the job's failure. Back to the head of its queue.
            GridMetrics.Finished(job.Kind, "handed_back", null);
            var returned = false;
            if (await DeliverAsync(job.Id, "the hand-back", async () => returned = await experiment.ReturnLeaseAsync(item.Worker, item.Lease.Token)))
            {
                if (returned)
                    Interlocked.Increment(ref _handedBack);
                log.LogInformation(returned ? "Job {JobId} handed back" : "Job {JobId} was not handed back: its lease had already passed on", job.Id);
            }
            else
            {
                log.LogError("Could not hand back {JobId}; its lease will expire and it will run again", job.Id);
            }

            return;
        }

        if (outcome is null)
        {
            var (kind, message) = item.OverBudget is { } budget ? (FailureKind.OverBudget, budget) : FailureClassifier.Classify(error!);
            GridMetrics.Finished(job.Kind, kind == FailureKind.Cancelled ? "cancelled" : "failed", null);
            log.LogWarning(error, "Job {JobId} failed ({Kind}): {Message}", job.Id, kind, message);
            if (!await DeliverAsync(job.Id, "the failure", () => experiment.FailAsync(item.Worker, item.Lease.Token, kind, message)))
                log.LogError("Could not report the failure of {JobId}; its lease will expire and it will run again", job.Id);
            return;
        }

        // The job is done and its result written: only telling its grain is left. A silo dying
        // elsewhere makes that call fail for a few seconds; that is no failure of the job.
        GridMetrics.Finished(job.Kind, "succeeded", outcome.Duration.TotalSeconds);
        var accepted = false;
        if (await DeliverAsync(job.Id, "the success", async () => accepted = await experiment.CompleteAsync(item.Worker, item.Lease.Token)))
        {
            log.LogInformation("Job {JobId} succeeded in {Seconds:F1} s{Note}", job.Id, outcome.Duration.TotalSeconds,
                accepted ? "" : " (its lease had passed to another worker; the result row is the same job's)");
        }
        else
        {
            log.LogError("Could not report the success of {JobId}; its lease will expire and it will run again", job.Id);
        }
    }

    /// <summary>Tells every worker that held <paramref name="item"/>'s devices that the job ended.</summary>
    public async Task NotifyWorkersAsync(WorkItem item)
    {
        foreach (var worker in item.Gang.Select(g => g.Worker).Prepend(item.Worker))
        {
            try
            {
                await grains.Ref<IWorkerGrain>(worker).JobEndedAsync(item.Lease.Job.Id);
            }
            catch (Exception e)
            {
                log.LogError(e, "Could not tell worker {Worker} that {JobId} ended", worker, item.Lease.Job.Id);
            }
        }
    }

    /// <summary>
    /// Writes a finished job's result row. While the store is unreachable for a while (a database
    /// restarting) it tries again, for up to a lease's length: the device stays busy and its
    /// worker keeps renewing the lease meanwhile, so a run is not thrown away and repeated for a
    /// blip of the database. Null once written; the error when it cannot be.
    /// </summary>
    private Task<Exception?> WriteResultAsync(string jobId, ResultRow row) =>
        PersistAsync(jobId, "writing the result", () => results.WriteAsync([row]), StoreErrors.IsTransient);

    /// <summary>
    /// Makes a report to a job's grain, retrying while the cluster cannot deliver it (a silo died
    /// and membership has not caught up, a storage write conflicted) for up to a lease's length:
    /// after that the lease has lapsed and the job runs again anyway. False if it never got through.
    /// </summary>
    private async Task<bool> DeliverAsync(string jobId, string what, Func<Task> call)
    {
        var error = await PersistAsync(jobId, $"reporting {what}", call, e => e is OrleansException or TimeoutException);
        if (error is not null)
            log.LogError(error, "Reporting {What} of {JobId} failed", what, jobId);
        return error is null;
    }

    /// <summary>Runs <paramref name="call"/>, waiting out errors <paramref name="transient"/> accepts for up to a lease's length.</summary>
    private Task<Exception?> PersistAsync(string jobId, string what, Func<Task> call, Func<Exception, bool> transient) =>
        Backoff.RetryAsync(call, transient, options.LeaseDuration,
            (e, delay) => log.LogWarning("{What} of {JobId} failed ({Error}); trying again in {Delay} ms", what, jobId, e.Message, delay.TotalMilliseconds));
}
