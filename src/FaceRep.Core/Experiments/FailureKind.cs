namespace FaceRep.Core.Experiments;

/// <summary>Why a job failed; only transient failures are retried.</summary>
public enum FailureKind
{
    /// <summary>May succeed if tried again (lost worker, I/O hiccup).</summary>
    Transient,

    /// <summary>Will fail the same way every time (bad configuration, missing input, a bug).</summary>
    Deterministic,

    /// <summary>The loss became NaN or infinite.</summary>
    Diverged,

    /// <summary>The job ran out of memory.</summary>
    OutOfMemory,

    /// <summary>Someone cancelled it.</summary>
    Cancelled,

    /// <summary>
    /// The checkpoint it starts from is missing, truncated or fails its checksum. The pre-training
    /// job that wrote it runs again (a few times at most) and the job waits for it.
    /// </summary>
    CheckpointUnusable,

    /// <summary>It ran longer, or took more memory, than the silo's budget for one job; not retried.</summary>
    OverBudget,
}

/// <summary>Thrown by a job to fail with a specific kind.</summary>
public sealed class JobFailedException(FailureKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The kind of failure.</summary>
    public FailureKind Kind { get; } = kind;
}
