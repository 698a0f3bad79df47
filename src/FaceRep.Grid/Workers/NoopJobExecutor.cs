using FaceRep.Grid.Abstractions;
using FaceRep.Training.Runs;

namespace FaceRep.Grid.Workers;

/// <summary>
/// A trainer that returns at once with a <c>train_loss</c> fixed by the job's id (the same as
/// <see cref="SleepJobExecutor.MetricFor"/>), so everything a job costs is the grid's own work:
/// leases, state writes, notifications and the result row. Chosen with <c>FaceRep:Executor=noop</c>.
/// </summary>
public sealed class NoopJobExecutor : IJobExecutor
{
    /// <inheritdoc />
    public JobOutcome Execute(JobDescriptor job, RunContext context)
    {
        context.Cancellation.ThrowIfCancellationRequested();
        return new JobOutcome(new Dictionary<string, double> { ["train_loss"] = SleepJobExecutor.MetricFor(job.Id) }, null, TimeSpan.Zero);
    }
}
