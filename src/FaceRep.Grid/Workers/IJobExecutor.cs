using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using FaceRep.Training.Runs;

namespace FaceRep.Grid.Workers;

/// <summary>Runs a job synchronously on the calling training thread.</summary>
public interface IJobExecutor
{
    /// <summary>Runs the job; throws <see cref="JobFailedException"/> or <see cref="OperationCanceledException"/> on failure.</summary>
    JobOutcome Execute(JobDescriptor job, RunContext context);
}

/// <summary>Runs jobs with TorchSharp.</summary>
public sealed class TorchJobExecutor(JobRunner runner) : IJobExecutor
{
    /// <inheritdoc />
    public JobOutcome Execute(JobDescriptor job, RunContext context)
    {
        JobConfig config;
        try
        {
            config = JobConfig.Parse(job.ConfigJson);
        }
        catch (FormatException e)
        {
            throw new JobFailedException(FailureKind.Deterministic, $"job {job.Id} has an unreadable configuration: {e.Message}", e);
        }

        if (config.Id != job.Id)
            throw new JobFailedException(FailureKind.Deterministic, $"job {job.Id}'s configuration hashes to {config.Id}; refusing to run a mislabelled job");
        return runner.Run(job.Id, config, context);
    }
}
