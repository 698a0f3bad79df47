namespace FaceRep.Data;

/// <summary>
/// How strongly a self-supervised method's views differ from their image: the smallest crop (as a
/// fraction of the image's area) and the colour changes. The invariances a method learns are the ones
/// its views teach, so these decide which features survive pre-training: colour jitter and grayscale
/// teach invariance to colour, which is part of who a face is.
/// </summary>
/// <param name="MinArea">Smallest crop area, a fraction of the image (the crop's upper bound is the whole image).</param>
/// <param name="Jitter">Brightness, contrast and saturation factors are drawn from 1 ± this.</param>
/// <param name="JitterProbability">Probability that a view is colour-jittered.</param>
/// <param name="GrayscaleProbability">Probability that a view is made grayscale.</param>
public sealed record ViewAugmentation(double MinArea, double Jitter, double JitterProbability, double GrayscaleProbability)
{
    /// <summary>MoCo v2's and solo-learn's settings with a smaller crop floor (0.25, for 64 px faces): the defaults.</summary>
    public static ViewAugmentation Default { get; } = new(0.25, 0.4, 0.8, 0.2);
}
