using TorchSharp;
using static TorchSharp.torch;

namespace FaceRep.Training;

/// <summary>Input normalisation shared by every method and task, and the copy of managed pixels into tensors (on the host; callers stage them to the job's device).</summary>
public static class Pixels
{
    // Held for the life of the process so no native scalar is finalised during a call.
    private static readonly Scalar MinusMean = (-0.5).ToScalar();
    private static readonly Scalar Scale = 0.25.ToScalar();

    /// <summary>Maps [0, 1] pixels to roughly zero mean and unit variance, in place.</summary>
    public static Tensor Normalise(Tensor pixels) => pixels.add_(MinusMean, HeldScalars.One).div_(Scale);

    /// <summary>
    /// A new tensor of <paramref name="shape"/> holding the normalised values of
    /// <paramref name="pixels"/> from <paramref name="start"/>: the same numbers as
    /// <c>Normalise(tensor(pixels, shape))</c>. The array is read in place (pinned while the
    /// temporary view lives) and the normalisation writes the only copy; <c>tensor(float[])</c>
    /// copies element by element, about 10 ns a value, which at small batches cost more than
    /// the rest of the step's input handling.
    /// </summary>
    public static Tensor Normalised(float[] pixels, ReadOnlySpan<long> shape, long start = 0) =>
        Normalised(pixels, shape, start, null);

    /// <summary>
    /// As <see cref="Normalised(float[], ReadOnlySpan{long}, long)"/>, with a backbone's own normalisation
    /// (null, or the centred default, gives exactly the default's numbers). <paramref name="shape"/> is NCHW.
    /// </summary>
    public static Tensor Normalised(float[] pixels, ReadOnlySpan<long> shape, long start, Core.Specs.InputNormalisation? normalisation)
    {
        var count = 1L;
        foreach (var d in shape)
            count *= d;
        using var shared = from_array(pixels);
        using var slice = shared.narrow(0, start, count);
        using var view = slice.view(shape.ToArray());
        if (normalisation is null || normalisation == Core.Specs.InputNormalisation.Centred)
            return view.add(MinusMean, HeldScalars.One).div_(Scale);
        using var mean = tensor(normalisation.Means.Select(v => (float)v).ToArray(), [1, 3, 1, 1], device: JobDevices.Cpu);
        using var std = tensor(normalisation.Stds.Select(v => (float)v).ToArray(), [1, 3, 1, 1], device: JobDevices.Cpu);
        return view.sub(mean).div_(std);
    }

    /// <summary>A copy of <paramref name="values"/> as a tensor of <paramref name="shape"/>, through one memory copy.</summary>
    public static Tensor Copy(float[] values, ReadOnlySpan<long> shape)
    {
        using var shared = from_array(values);
        using var view = shared.view(shape.ToArray());
        return view.clone();
    }
}
