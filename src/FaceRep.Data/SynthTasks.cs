namespace FaceRep.Data;

/// <summary>The three splits of a downstream task's data.</summary>
public sealed record TaskSplits(IFaceDataset Train, IFaceDataset Validation, IFaceDataset Test);

/// <summary>Names of the SynthFace downstream tasks (see <see cref="SynthFaceCatalog.OpenTask"/>).</summary>
public static class SynthTasks
{
    /// <summary>Face recognition: many identities, several images each; identity-disjoint splits (verification on unseen identities).</summary>
    public const string Recognition = "recognition";

    /// <summary>2D landmark localisation: pose-varied faces (|yaw| ≤ 35°) with all 68 points in the image.</summary>
    public const string Landmarks = "landmarks";

    /// <summary>Action-unit intensity: spontaneous action units over 0–5 (mostly absent), several images per subject, subject-exclusive splits.</summary>
    public const string ActionUnits = "au";

    /// <summary>Emotion recognition: the eight classes balanced, with valence and arousal.</summary>
    public const string Emotion = "emotion";

    /// <summary>3D face alignment: yaw uniform over ±60° (AFLW2000-3D-like), with 3D landmarks.</summary>
    public const string Landmarks3D = "landmarks3d";
}
