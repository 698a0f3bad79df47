using FaceRep.Core.Experiments;

namespace FaceRep.Grid.Workers;

/// <summary>What kind of failure an exception out of a trainer is, which decides whether it is retried.</summary>
internal static class FailureClassifier
{
    public static (FailureKind Kind, string Message) Classify(Exception e) => e switch
    {
        JobFailedException f => (f.Kind, f.Message),
        OperationCanceledException => (FailureKind.Cancelled, "cancelled"),
        OutOfMemoryException => (FailureKind.OutOfMemory, e.Message),
        // A native scalar freed by the finalizer during a libtorch call (see Optimisers.AdamW): not the job's fault.
        System.Runtime.InteropServices.ExternalException when e.Message.Contains("Unknown scalar type", StringComparison.Ordinal)
            || e.Message.Contains("c10/core/Scalar.h", StringComparison.Ordinal)
            => (FailureKind.Transient, $"libtorch: {e.Message.Split('\n')[0]}"),
        IOException or TimeoutException => (FailureKind.Transient, $"{e.GetType().Name}: {e.Message}"),
        _ => (FailureKind.Deterministic, $"{e.GetType().Name}: {e.Message}"),
    };
}
