using FaceRep.Core.Experiments;
using FaceRep.Data;

namespace FaceRep.Training.Methods;

/// <summary>A pre-training set in memory: pixels (N × 3·R·R, CHW in [0, 1]) and identity labels.</summary>
public sealed class PretrainData
{
    private PretrainData(float[] pixels, int[] identities, int count, int resolution)
    {
        Pixels = pixels;
        Identities = identities;
        Count = count;
        Resolution = resolution;
    }

    /// <summary>Images, planar RGB, concatenated.</summary>
    public float[] Pixels { get; }

    /// <summary>Identity of each image, or −1 when unknown.</summary>
    public int[] Identities { get; }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Width and height of every image.</summary>
    public int Resolution { get; }

    /// <summary>Values per image.</summary>
    public int PixelsPerImage => 3 * Resolution * Resolution;

    /// <summary>One image's pixels.</summary>
    public ReadOnlySpan<float> Image(int index) => Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);

    /// <summary>Most bytes of pixels a job may hold in memory; larger sets are refused, not swapped.</summary>
    public const long MaxBytes = 8L << 30;

    /// <summary>Renders (or reads) a job's pre-training images, in parallel.</summary>
    /// <exception cref="JobFailedException">The dataset is unknown, or its pixels would not fit in <see cref="MaxBytes"/>.</exception>
    public static PretrainData Load(PretrainConfig config)
    {
        if (config.Dataset is null || !SynthFaceCatalog.IsKnown(config.Dataset))
            throw new JobFailedException(FailureKind.Deterministic, $"dataset '{config.Dataset}' is not available; available: {string.Join(", ", SynthFaceCatalog.PretrainDatasets)}");
        var r = config.Backbone.Input;
        var bytes = (long)config.Images * 3 * r * r * sizeof(float);
        if (bytes > MaxBytes)
        {
            throw new JobFailedException(FailureKind.Deterministic,
                $"{config.Images:N0} pre-training images at {r}×{r} need {bytes / (double)(1L << 30):F1} GiB in memory, more than the {MaxBytes >> 30} GiB a job may hold; this build keeps pre-training sets in memory");
        }

        var dataset = SynthFaceCatalog.OpenPretrain(config.Dataset, config.Images, r, seed: 0);
        var perImage = 3 * r * r;
        var pixels = new float[(long)config.Images * perImage];
        var identities = new int[config.Images];
        Parallel.For(0, config.Images, i =>
        {
            var sample = dataset.Get(i);
            sample.Pixels.CopyTo(pixels.AsSpan(i * perImage, perImage));
            identities[i] = sample.Identity;
        });
        return new PretrainData(pixels, identities, config.Images, r);
    }
}
