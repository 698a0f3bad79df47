using FaceRep.Data.Synth;

namespace FaceRep.Data;

/// <summary>The SynthFace datasets by name, and the synthetic 2D-landmark task's data.</summary>
public static class SynthFaceCatalog
{
    public const string Curated = "synth-curated";
    public const string Uncurated = "synth-uncurated";
    public const string Video = "synth-video";

    /// <summary>Name of the landmark task's training split.</summary>
    public const string LandmarkTrain = "synth-landmarks-train";

    /// <summary>Name of the landmark task's test split.</summary>
    public const string LandmarkTest = "synth-landmarks-test";

    private const int ImagesPerIdentity = 20;
    private const int ClipsPerIdentity = 4;
    private const int MaxIdentities = 10_000;

    /// <summary>The pre-training datasets: curated, uncurated and video.</summary>
    public static IReadOnlyList<string> PretrainDatasets { get; } = Array.AsReadOnly([Curated, Uncurated, Video]);

    /// <summary>Whether <paramref name="name"/> is one of <see cref="PretrainDatasets"/> (exact, case-sensitive).</summary>
    public static bool IsKnown(string name) => name is Curated or Uncurated or Video;

    /// <summary>
    /// Opens a pre-training dataset. Labelled flavours spread their samples over about 20 images per
    /// identity (curated) or 4 clips per identity (video).
    /// </summary>
    public static IFaceDataset OpenPretrain(string name, int count, int resolution, int seed)
    {
        ArgumentNullException.ThrowIfNull(name);
        var flavour = name switch
        {
            Curated => SynthFlavour.Curated,
            Uncurated => SynthFlavour.Uncurated,
            Video => SynthFlavour.Video,
            _ => throw new ArgumentException(
                $"Unknown SynthFace dataset '{name}'. Known datasets: {string.Join(", ", PretrainDatasets)}.", nameof(name)),
        };
        ValidateCount(count, nameof(count));
        ValidateResolution(resolution);

        var identities = flavour switch
        {
            SynthFlavour.Video => Math.Clamp(CeilingDivide(CeilingDivide(count, SynthProfile.Video.ClipLength), ClipsPerIdentity), 1, MaxIdentities),
            _ => Math.Clamp(CeilingDivide(count, ImagesPerIdentity), 1, MaxIdentities),
        };
        return new SynthFaceDataset(name, new SynthFaceOptions(flavour, count, resolution, seed, identities));
    }

    /// <summary>
    /// The synthetic 2D-landmark task: moderate pose (|yaw| ≤ 35°), expression and appearance, every landmark
    /// inside the image. Its samples come from streams of their own, so they never coincide with a
    /// pre-training sample, and the train and test splits (and their identities) are disjoint.
    /// </summary>
    public static (IFaceDataset Train, IFaceDataset Test) OpenLandmarkTask(int trainCount, int testCount, int resolution, int seed)
    {
        ValidateCount(trainCount, nameof(trainCount));
        ValidateCount(testCount, nameof(testCount));
        ValidateResolution(resolution);
        var train = new SynthFaceDataset(
            LandmarkTrain,
            new SynthFaceOptions(SynthFlavour.Curated, trainCount, resolution, seed, Math.Clamp(CeilingDivide(trainCount, ImagesPerIdentity), 1, MaxIdentities)),
            SynthProfile.Landmarks,
            SynthStreams.LandmarkTrain);
        var test = new SynthFaceDataset(
            LandmarkTest,
            new SynthFaceOptions(SynthFlavour.Curated, testCount, resolution, seed, Math.Clamp(CeilingDivide(testCount, ImagesPerIdentity), 1, MaxIdentities)),
            SynthProfile.Landmarks,
            SynthStreams.LandmarkTest);
        return (train, test);
    }

    private static int CeilingDivide(int a, int b) => (int)(((long)a + b - 1) / b);

    private static void ValidateCount(int count, string parameter)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(parameter, count, $"{parameter} must be at least 1 (was {count}).");
        }
    }

    private static void ValidateResolution(int resolution)
    {
        if (resolution is < SynthFaceDataset.MinResolution or > SynthFaceDataset.MaxResolution)
        {
            throw new ArgumentOutOfRangeException(
                nameof(resolution),
                resolution,
                $"resolution must be in [{SynthFaceDataset.MinResolution}, {SynthFaceDataset.MaxResolution}] (was {resolution}).");
        }
    }
}
