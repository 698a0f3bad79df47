using FaceRep.Data.Synth;

namespace FaceRep.Data;

/// <summary>The SynthFace datasets by name, and the data of the synthetic downstream tasks.</summary>
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

    /// <summary>Most identities one task split spreads its samples over; also the gap between the splits' identity labels.</summary>
    private const int TaskIdentityBlock = 1_000_000;

    private static readonly (string Name, SynthProfile Profile, int ImagesPerIdentity)[] TaskTable =
    [
        (SynthTasks.Recognition, SynthProfile.Recognition, 8),
        (SynthTasks.Landmarks, SynthProfile.Landmarks, 4),
        (SynthTasks.ActionUnits, SynthProfile.ActionUnits, 20),
        (SynthTasks.Emotion, SynthProfile.Emotions, 2),
        (SynthTasks.Landmarks3D, SynthProfile.Landmarks3D, 4),
    ];

    /// <summary>The pre-training datasets: curated, uncurated and video.</summary>
    public static IReadOnlyList<string> PretrainDatasets { get; } = Array.AsReadOnly([Curated, Uncurated, Video]);

    /// <summary>The downstream tasks <see cref="OpenTask"/> knows: recognition, landmarks, au, emotion and landmarks3d.</summary>
    public static IReadOnlyList<string> Tasks { get; } = Array.AsReadOnly(TaskTable.Select(t => t.Name).ToArray());

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
    /// <see cref="OpenTask"/> with <see cref="SynthTasks.Landmarks"/> draws the same kind of faces, from streams of
    /// its own, in three splits with disjoint identity labels.
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
            SynthSource.Of(SynthStreams.LandmarkTrain));
        var test = new SynthFaceDataset(
            LandmarkTest,
            new SynthFaceOptions(SynthFlavour.Curated, testCount, resolution, seed, Math.Clamp(CeilingDivide(testCount, ImagesPerIdentity), 1, MaxIdentities)),
            SynthProfile.Landmarks,
            SynthSource.Of(SynthStreams.LandmarkTest));
        return (train, test);
    }

    /// <summary>
    /// Opens a downstream task's training, validation and test splits (named synth-{task}-train, -validation
    /// and -test). Each task draws faces the way its labels need (see <see cref="SynthTasks"/>):
    /// <list type="bullet">
    /// <item><description>recognition: about 8 images per identity, turned up to ±50°, degraded;</description></item>
    /// <item><description>landmarks: about 4 images per identity, |yaw| ≤ 35°, every landmark inside the image;</description></item>
    /// <item><description>au: about 20 images per subject, near-frontal, spontaneous action units over 0–5, most absent;</description></item>
    /// <item><description>emotion: about 2 images per identity, every run of 8 samples holding each class once, valence and arousal;</description></item>
    /// <item><description>landmarks3d: about 4 images per identity, yaw uniform over ±60°, every landmark inside the image.</description></item>
    /// </list>
    /// Every sample carries every label (identity, 2D and 3D landmarks, action units, pose); emotion, valence
    /// and arousal only in the emotion task. The splits never share an identity: training identities are
    /// labelled from 0, validation ones from 1,000,000 and test ones from 2,000,000. Each split comes from its
    /// own streams, so its content depends only on the task, its own size, the resolution and the seed, and no
    /// sample coincides with a pre-training sample or one of another split.
    /// </summary>
    public static TaskSplits OpenTask(string task, int train, int validation, int test, int resolution, int seed)
    {
        ArgumentNullException.ThrowIfNull(task);
        var index = Array.FindIndex(TaskTable, t => t.Name == task);
        if (index < 0)
        {
            throw new ArgumentException($"Unknown SynthFace task '{task}'. Known tasks: {string.Join(", ", Tasks)}.", nameof(task));
        }

        ValidateCount(train, nameof(train));
        ValidateCount(validation, nameof(validation));
        ValidateCount(test, nameof(test));
        ValidateResolution(resolution);
        var (name, profile, perIdentity) = TaskTable[index];
        var identities = SynthStreams.ForTask(name, "identities");

        SynthFaceDataset Split(string split, int count, int block) => new(
            $"synth-{name}-{split}",
            new SynthFaceOptions(SynthFlavour.Curated, count, resolution, seed, Math.Clamp(CeilingDivide(count, perIdentity), 1, TaskIdentityBlock)),
            profile,
            new SynthSource(SynthStreams.ForTask(name, split), identities, block * TaskIdentityBlock));

        return new TaskSplits(Split("train", train, 0), Split("validation", validation, 1), Split("test", test, 2));
    }

    /// <summary>Identities in <see cref="OpenIdentityProbe"/>.</summary>
    public const int ProbeIdentities = Core.Experiments.KnnProbe.Identities;

    /// <summary>Images of each identity in <see cref="OpenIdentityProbe"/>.</summary>
    public const int ProbeImagesPerIdentity = Core.Experiments.KnnProbe.ImagesPerIdentity;

    /// <summary>
    /// The fixed, labelled, held-out identity set a pre-training run is watched with (an online k-NN
    /// identity accuracy): <see cref="ProbeIdentities"/> identities of <see cref="ProbeImagesPerIdentity"/>
    /// curated images each, from streams of its own, so no image or identity is one a pre-training
    /// set or a task split draws. Depends only on the resolution.
    /// </summary>
    public static IFaceDataset OpenIdentityProbe(int resolution)
    {
        ValidateResolution(resolution);
        const int count = ProbeIdentities * ProbeImagesPerIdentity;
        return new SynthFaceDataset(
            "synth-identity-probe",
            new SynthFaceOptions(SynthFlavour.Curated, count, resolution, 0, ProbeIdentities),
            SynthProfile.Curated,
            new SynthSource(SynthStreams.ForTask("identity-probe", "images"), SynthStreams.ForTask("identity-probe", "identities"), 0));
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
