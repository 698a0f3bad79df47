using FaceRep.Core.Experiments;

namespace FaceRep.Training.Runs;

/// <summary>Where a job is and how it is going, reported every few steps.</summary>
/// <param name="Fraction">Share of the job done, 0 to 1.</param>
/// <param name="Stage">What it is doing (loading data, training, evaluating).</param>
/// <param name="Loss">The latest training loss, if training.</param>
public readonly record struct JobProgress(double Fraction, string Stage, double? Loss)
{
    /// <summary>The curve point this report carries (step, loss, learning rate, images/s, k-NN), when it closes one.</summary>
    public CurvePoint? Point { get; init; }
}

/// <summary>What a running job may use: cancellation, progress, logging and its thread budget.</summary>
public sealed class RunContext
{
    /// <summary>The job's id.</summary>
    public required string JobId { get; init; }

    /// <summary>Checked every step; cancelling stops the job promptly.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Receives progress; called on the training thread, so it must not block.</summary>
    public Action<JobProgress>? Progress { get; init; }

    /// <summary>
    /// The directories files named in the job's options (an imported checkpoint) may be read
    /// from; null for no restriction, outside the grid.
    /// </summary>
    public FaceRep.Core.Paths.PathRoots? InputRoots { get; init; }

    /// <summary>The imported pre-training sets this machine holds (its dataset roots); none outside the grid unless given.</summary>
    public FaceRep.Data.ImageSets.DatasetCatalog Datasets { get; init; } = FaceRep.Data.ImageSets.DatasetCatalog.Empty;

    /// <summary>Receives log lines.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>libtorch intra-op threads for this job.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// The devices leased to the job (libtorch names: cpu, cuda:0, …). Pre-training splits each
    /// batch over all of them (data parallel); evaluation uses the first.
    /// </summary>
    public IReadOnlyList<string> Devices { get; init; } = ["cpu"];

    /// <summary>Where the grid runs the job (its worker, <c>{silo}/{device}</c>); empty outside the grid. For logs and audits.</summary>
    public string Worker { get; init; } = "";

    /// <summary>For a job of several devices, the other workers whose devices it holds (<c>{silo}/{device}</c>). For logs and audits.</summary>
    public IReadOnlyList<string> Gang { get; init; } = [];

    /// <summary>Which lease of the job this run is (1 for the first); for logs and audits.</summary>
    public int Attempt { get; init; } = 1;

    private readonly List<CurvePoint> _curve = [];

    /// <summary>The job's training curve so far (pre-training or head steps; see <see cref="Monitoring.CurveRecorder"/>).</summary>
    public IReadOnlyList<CurvePoint> Curve => _curve;

    internal void Report(double fraction, string stage, double? loss = null) =>
        Progress?.Invoke(new JobProgress(Math.Clamp(fraction, 0, 1), stage, loss));

    /// <summary>Keeps a curve point and reports it as progress.</summary>
    public void Record(CurvePoint point, double fraction, string stage)
    {
        _curve.Add(point);
        Progress?.Invoke(new JobProgress(Math.Clamp(fraction, 0, 1), stage, point.Loss) { Point = point });
    }
}

/// <summary>What a finished job produced.</summary>
/// <param name="Metrics">Named metrics (see <c>MetricDefinitions</c>).</param>
/// <param name="CheckpointPath">The checkpoint directory a pre-training job wrote, if any.</param>
/// <param name="Duration">Wall-clock time of the run.</param>
public sealed record JobOutcome(IReadOnlyDictionary<string, double> Metrics, string? CheckpointPath, TimeSpan Duration)
{
    /// <summary>The training-split indices an evaluation trained on (its few-shot subset), so any result can be audited.</summary>
    public IReadOnlyList<int>? TrainIndices { get; init; }
}
