using TorchSharp;

namespace FaceRep.Training;

/// <summary>
/// Scalars held for the life of the process. TorchSharp turns numbers into finalizable native
/// scalars, and its one-argument <c>add</c> overloads create a temporary alpha of 1 that the
/// finalizer may free while libtorch still reads it; pass these instead.
/// </summary>
public static class HeldScalars
{
    /// <summary>1 for floating-point tensors.</summary>
    public static readonly Scalar One = 1.0.ToScalar();

    /// <summary>1 for integer tensors (libtorch refuses a floating-point alpha for them).</summary>
    public static readonly Scalar OneInteger = 1L.ToScalar();
}
