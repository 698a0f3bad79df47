using FaceRep.Grid.Abstractions;

namespace FaceRep.Grid.Workers;

/// <summary>
/// A leased job on its way through a device thread: from the claim of its devices until its
/// outcome is reported. Identity is the instance (its state changes as it runs).
/// </summary>
internal sealed class WorkItem(string worker, JobLease lease, IReadOnlyList<(string Worker, DeviceThread Thread)> gang)
{
    private volatile bool _executing;
    private volatile bool _handBack;
    private volatile string? _overBudget;
    private volatile Core.Experiments.CurvePoint? _latest;

    /// <summary>The worker that leased it (and renews the lease).</summary>
    public string Worker { get; } = worker;

    /// <summary>The lease.</summary>
    public JobLease Lease { get; } = lease;

    /// <summary>The other workers and device threads a job of several devices holds.</summary>
    public IReadOnlyList<(string Worker, DeviceThread Thread)> Gang { get; } = gang;

    /// <summary>Stops the trainer at its next step.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Set when the silo stops the job to leave: it is handed back, not failed.</summary>
    public bool HandBack
    {
        get => _handBack;
        set => _handBack = value;
    }

    /// <summary>Set when the job is stopped for going over a budget: why.</summary>
    public string? OverBudget
    {
        get => _overBudget;
        set => _overBudget = value;
    }

    /// <summary>When the trainer started it.</summary>
    public DateTime StartedUtc { get; set; }

    /// <summary>When (<see cref="Environment.TickCount64"/>) the run's progress was last reported to its grain.</summary>
    public long ProgressSentTicks { get; set; }

    /// <summary>The run's training curve once it has ended (empty for a run that did not train).</summary>
    public IReadOnlyList<Core.Experiments.CurvePoint> Curve { get; set; } = [];

    /// <summary>
    /// The run's latest training-curve point, carrying the latest k-NN accuracy measured (pre-training
    /// measures it a few times a run); written by its training thread, read by the metrics.
    /// </summary>
    public Core.Experiments.CurvePoint? Latest
    {
        get => _latest;
        set => _latest = value;
    }

    /// <summary>The silo's resident memory when it started.</summary>
    public long MemoryAtStart { get; set; }

    /// <summary>True while the trainer runs the job (not while its outcome is reported).</summary>
    public bool Executing
    {
        get => _executing;
        set => _executing = value;
    }

    /// <summary>
    /// Asks the trainer to stop. The item's token source is disposed once its outcome is reported,
    /// which can happen on another thread at any moment: then there is nothing left to stop and
    /// this returns false.
    /// </summary>
    public bool TryCancel()
    {
        try
        {
            Cancellation.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }
}
