using System.Diagnostics;
using FaceRep.Core.Experiments;
using FaceRep.Training.Backbones;
using FaceRep.Training.Checkpoints;
using FaceRep.Training.Methods;
using FaceRep.Training.Tasks;

namespace FaceRep.Training.Runs;

/// <summary>Runs one job of any kind on the calling thread. No Orleans here: the grid calls it from its training threads.</summary>
public sealed class JobRunner(CheckpointStore checkpoints)
{
    /// <summary>Tasks this build can evaluate.</summary>
    public static IReadOnlyCollection<string> AvailableTasks => TaskRunner.Available;

    /// <summary>The checkpoint store jobs read and write.</summary>
    public CheckpointStore Checkpoints => checkpoints;

    /// <summary>Runs a job to completion, or throws (<see cref="JobFailedException"/>, <see cref="OperationCanceledException"/>).</summary>
    public JobOutcome Run(string jobId, JobConfig config, RunContext context)
    {
        var clock = Stopwatch.StartNew();
        TorchRuntime.UseThreads(context.Threads);
        var outcome = config switch
        {
            PretrainConfig p => RunPretrain(jobId, p, context),
            EvaluateConfig e => RunEvaluate(e, context),
            _ => throw new JobFailedException(FailureKind.Deterministic, $"unknown job configuration {config.GetType().Name}"),
        };
        context.Report(1, "done");
        return outcome with { Duration = clock.Elapsed };
    }

    private JobOutcome RunPretrain(string jobId, PretrainConfig config, RunContext context)
    {
        var method = PretrainMethods.Get(config.Method);
        if (!method.Trains)
            return new JobOutcome(new Dictionary<string, double>(), null, TimeSpan.Zero);

        if (checkpoints.Exists(jobId))
        {
            context.Log?.Invoke($"checkpoint of {jobId} already exists; reusing it");
            return new JobOutcome(new Dictionary<string, double>(), checkpoints.PathOf(jobId), TimeSpan.Zero);
        }

        using var backbone = method.Train(config, context);
        checkpoints.Save(jobId, backbone, config.Backbone);
        return new JobOutcome(new Dictionary<string, double>(), checkpoints.PathOf(jobId), TimeSpan.Zero);
    }

    private JobOutcome RunEvaluate(EvaluateConfig config, RunContext context)
    {
        TaskRunner.Get(config.Task);
        var method = PretrainMethods.Get(config.Pretrain.Method);
        // A fresh backbone seeded by the evaluation seed; pre-trained weights replace it when the source trained.
        using var backbone = TorchRuntime.Seeded(config.Seed, () => BackboneRegistry.Create(config.Pretrain.Backbone));
        if (method.Trains)
            checkpoints.Load(config.Pretrain.Id, backbone, config.Pretrain.Backbone);

        var metrics = TaskRunner.Run(config, backbone, context, out var trainIndices);
        return new JobOutcome(metrics, null, TimeSpan.Zero) { TrainIndices = trainIndices };
    }
}
