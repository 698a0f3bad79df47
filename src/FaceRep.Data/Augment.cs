namespace FaceRep.Data;

/// <summary>SimCLR-style image augmentation on planar RGB (CHW) float images in [0, 1].</summary>
public static partial class Augment
{
    private const double MaxArea = 1.0;
    private static readonly double LogMinRatio = Math.Log(3.0 / 4.0);
    private static readonly double LogMaxRatio = Math.Log(4.0 / 3.0);

    /// <summary>
    /// A random view of <paramref name="src"/> written to <paramref name="dst"/> (same size) with the default
    /// <see cref="ViewAugmentation"/>: random resized crop (area 0.25–1, aspect 3/4–4/3, bilinear), horizontal
    /// flip (p = 0.5), colour jitter of brightness, contrast and saturation by up to ±0.4 in random order
    /// (p = 0.8), grayscale (p = 0.2). Deterministic for a given state of <paramref name="rng"/>; allocates nothing.
    /// </summary>
    public static void RandomView(ReadOnlySpan<float> src, Span<float> dst, int resolution, Random rng) =>
        RandomView(src, dst, resolution, rng, ViewAugmentation.Default);

    /// <summary>
    /// A random view of <paramref name="src"/> written to <paramref name="dst"/> (same size): random resized crop
    /// (area <see cref="ViewAugmentation.MinArea"/>–1, aspect 3/4–4/3, bilinear), horizontal flip (p = 0.5), then
    /// <paramref name="augmentation"/>'s colour changes. Deterministic for a given state of <paramref name="rng"/>
    /// (the same draws whatever the settings, so settings change views, not the sequence); allocates nothing.
    /// </summary>
    public static void RandomView(ReadOnlySpan<float> src, Span<float> dst, int resolution, Random rng, ViewAugmentation augmentation)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(augmentation);
        ValidateImages(src, dst, resolution);
        if (src.Overlaps(dst))
        {
            throw new ArgumentException("The source and destination images must not overlap.", nameof(dst));
        }

        var (x0, y0, width, height) = RandomCrop(resolution, rng, augmentation.MinArea, MaxArea);
        var flip = rng.NextDouble() < 0.5;
        Resample(src, resolution, dst, resolution, x0, y0, width, height, flip);
        Colour(dst, resolution, rng, augmentation);
    }

    /// <summary>
    /// Colour jitter of brightness, contrast and saturation by factors in 1 ± <see cref="ViewAugmentation.Jitter"/>,
    /// in random order, with probability <see cref="ViewAugmentation.JitterProbability"/>; then grayscale with
    /// probability <see cref="ViewAugmentation.GrayscaleProbability"/>.
    /// </summary>
    private static void Colour(Span<float> dst, int resolution, Random rng, ViewAugmentation augmentation)
    {
        if (rng.NextDouble() < augmentation.JitterProbability)
        {
            var brightness = Factor(rng, augmentation.Jitter);
            var contrast = Factor(rng, augmentation.Jitter);
            var saturation = Factor(rng, augmentation.Jitter);
            Span<int> order = [0, 1, 2];
            for (var i = 2; i > 0; i--)
            {
                var j = rng.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }

            foreach (var step in order)
            {
                switch (step)
                {
                    case 0:
                        Brightness(dst, brightness);
                        break;
                    case 1:
                        Contrast(dst, resolution, contrast);
                        break;
                    default:
                        Saturation(dst, resolution, saturation);
                        break;
                }
            }
        }

        if (rng.NextDouble() < augmentation.GrayscaleProbability)
        {
            Grayscale(dst, resolution);
        }
    }

    private static float Factor(Random rng, double strength) => (float)(1.0 - strength + (2.0 * strength * rng.NextDouble()));

    private static void Brightness(Span<float> image, float factor)
    {
        for (var i = 0; i < image.Length; i++)
        {
            image[i] = Math.Clamp(image[i] * factor, 0f, 1f);
        }
    }

    private static void Contrast(Span<float> image, int resolution, float factor)
    {
        var plane = resolution * resolution;
        var sum = 0d;
        for (var i = 0; i < plane; i++)
        {
            sum += Luma(image, plane, i);
        }

        var mean = (float)(sum / plane);
        for (var i = 0; i < image.Length; i++)
        {
            image[i] = Math.Clamp(mean + ((image[i] - mean) * factor), 0f, 1f);
        }
    }

    private static void Saturation(Span<float> image, int resolution, float factor)
    {
        var plane = resolution * resolution;
        for (var i = 0; i < plane; i++)
        {
            var gray = Luma(image, plane, i);
            for (var c = 0; c < 3; c++)
            {
                var k = (c * plane) + i;
                image[k] = Math.Clamp(gray + ((image[k] - gray) * factor), 0f, 1f);
            }
        }
    }

    private static void Grayscale(Span<float> image, int resolution)
    {
        var plane = resolution * resolution;
        for (var i = 0; i < plane; i++)
        {
            var gray = Luma(image, plane, i);
            image[i] = gray;
            image[plane + i] = gray;
            image[(2 * plane) + i] = gray;
        }
    }

    private static float Luma(ReadOnlySpan<float> image, int plane, int i) =>
        (0.299f * image[i]) + (0.587f * image[plane + i]) + (0.114f * image[(2 * plane) + i]);

    private static void ValidateImages(ReadOnlySpan<float> src, Span<float> dst, int resolution)
    {
        if (resolution < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, $"resolution must be at least 1 (was {resolution}).");
        }

        var length = 3L * resolution * resolution;
        if (src.Length != length)
        {
            throw new ArgumentException($"The source image holds {src.Length} values; a {resolution}×{resolution} RGB image needs {length}.", nameof(src));
        }

        if (dst.Length != length)
        {
            throw new ArgumentException($"The destination image holds {dst.Length} values; a {resolution}×{resolution} RGB image needs {length}.", nameof(dst));
        }
    }
}
