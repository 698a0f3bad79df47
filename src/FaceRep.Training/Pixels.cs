using TorchSharp;
using static TorchSharp.torch;

namespace FaceRep.Training;

/// <summary>Input normalisation shared by every method and task.</summary>
public static class Pixels
{
    // Held for the life of the process so no native scalar is finalised during a call.
    private static readonly Scalar MinusMean = (-0.5).ToScalar();
    private static readonly Scalar Scale = 0.25.ToScalar();

    /// <summary>Maps [0, 1] pixels to roughly zero mean and unit variance, in place.</summary>
    public static Tensor Normalise(Tensor pixels) => pixels.add_(MinusMean, HeldScalars.One).div_(Scale);
}
