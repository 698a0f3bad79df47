namespace FaceRep.Data.Synth;

/// <summary>How much a stream of samples varies: pose, framing, expression, lighting and degradations.</summary>
internal sealed class SynthProfile
{
    /// <summary>Whether samples carry identity labels.</summary>
    public required bool Labelled { get; init; }

    /// <summary>Frames per clip; 1 for still images.</summary>
    public int ClipLength { get; init; } = 1;

    public required float MaxYawDegrees { get; init; }
    public required float MaxPitchDegrees { get; init; }
    public required float MaxRollDegrees { get; init; }

    /// <summary>Whether yaw is drawn peaked at frontal (triangular) rather than uniformly.</summary>
    public bool PeakedYaw { get; init; }

    /// <summary>Range of the face's width as a fraction of the image width.</summary>
    public required float MinSize { get; init; }
    public required float MaxSize { get; init; }

    /// <summary>Largest offset of the face from its usual place, as a fraction of the image width.</summary>
    public required float MaxShift { get; init; }

    /// <summary>Whether every landmark is kept inside the image (by shrinking and shifting the face).</summary>
    public required bool KeepInside { get; init; }

    /// <summary>Factor on every action-unit intensity (and on eyelid closure).</summary>
    public required float ExpressionScale { get; init; }

    /// <summary>Where expressions come from; only <see cref="ExpressionSource.Emotions"/> labels emotion, valence and arousal.</summary>
    public ExpressionSource Expressions { get; init; } = ExpressionSource.Wild;

    public float DistractorRate { get; init; }
    public float OccluderRate { get; init; }
    public float NoiseRate { get; init; }
    public float MaxNoise { get; init; }
    public float BlurRate { get; init; }
    public float HarshLightRate { get; init; }
    public float ClutterRate { get; init; }
    public float GrayscaleRate { get; init; }
    public required float ExposureJitter { get; init; }

    public static readonly SynthProfile Curated = new()
    {
        Labelled = true,
        MaxYawDegrees = 20,
        MaxPitchDegrees = 10,
        MaxRollDegrees = 10,
        PeakedYaw = true,
        MinSize = 0.42f,
        MaxSize = 0.52f,
        MaxShift = 0.03f,
        KeepInside = true,
        ExpressionScale = 0.6f,
        ClutterRate = 0.15f,
        ExposureJitter = 0.1f,
    };

    public static readonly SynthProfile Uncurated = new()
    {
        Labelled = false,
        MaxYawDegrees = 60,
        MaxPitchDegrees = 25,
        MaxRollDegrees = 30,
        MinSize = 0.3f,
        MaxSize = 1.1f,
        MaxShift = 0.3f,
        KeepInside = false,
        ExpressionScale = 1f,
        DistractorRate = 0.1f,
        OccluderRate = 0.35f,
        NoiseRate = 0.5f,
        MaxNoise = 0.08f,
        BlurRate = 0.3f,
        HarshLightRate = 0.5f,
        ClutterRate = 0.6f,
        GrayscaleRate = 0.08f,
        ExposureJitter = 0.35f,
    };

    public static readonly SynthProfile Video = new()
    {
        Labelled = true,
        ClipLength = 16,
        MaxYawDegrees = 30,
        MaxPitchDegrees = 12,
        MaxRollDegrees = 10,
        MinSize = 0.4f,
        MaxSize = 0.52f,
        MaxShift = 0.04f,
        KeepInside = true,
        ExpressionScale = 0.8f,
        BlurRate = 0.3f,
        ClutterRate = 0.3f,
        ExposureJitter = 0.15f,
    };

    /// <summary>The 2D-landmark task: moderate pose, expression and appearance; landmarks stay in the image.</summary>
    public static readonly SynthProfile Landmarks = new()
    {
        Labelled = true,
        MaxYawDegrees = 35,
        MaxPitchDegrees = 15,
        MaxRollDegrees = 15,
        MinSize = 0.42f,
        MaxSize = 0.6f,
        MaxShift = 0.05f,
        KeepInside = true,
        ExpressionScale = 0.9f,
        NoiseRate = 0.2f,
        MaxNoise = 0.03f,
        BlurRate = 0.1f,
        HarshLightRate = 0.15f,
        ClutterRate = 0.3f,
        ExposureJitter = 0.2f,
    };

    /// <summary>Face recognition (IJB-B-like): turned and degraded more than curated data, faces kept in the image.</summary>
    public static readonly SynthProfile Recognition = new()
    {
        Labelled = true,
        MaxYawDegrees = 50,
        MaxPitchDegrees = 15,
        MaxRollDegrees = 12,
        PeakedYaw = true,
        MinSize = 0.42f,
        MaxSize = 0.56f,
        MaxShift = 0.04f,
        KeepInside = true,
        ExpressionScale = 0.8f,
        OccluderRate = 0.1f,
        NoiseRate = 0.25f,
        MaxNoise = 0.04f,
        BlurRate = 0.2f,
        HarshLightRate = 0.3f,
        ClutterRate = 0.3f,
        GrayscaleRate = 0.05f,
        ExposureJitter = 0.2f,
    };

    /// <summary>Action-unit intensity (DISFA-like): near-frontal, evenly lit, spontaneous action units over 0–5.</summary>
    public static readonly SynthProfile ActionUnits = new()
    {
        Labelled = true,
        MaxYawDegrees = 12,
        MaxPitchDegrees = 8,
        MaxRollDegrees = 8,
        MinSize = 0.5f,
        MaxSize = 0.6f,
        MaxShift = 0.03f,
        KeepInside = true,
        ExpressionScale = 1f,
        Expressions = ExpressionSource.ActionUnits,
        ClutterRate = 0.1f,
        ExposureJitter = 0.1f,
    };

    /// <summary>Emotion recognition (AffectNet-like): balanced classes, moderate pose and in-the-wild appearance.</summary>
    public static readonly SynthProfile Emotions = new()
    {
        Labelled = true,
        MaxYawDegrees = 30,
        MaxPitchDegrees = 15,
        MaxRollDegrees = 15,
        PeakedYaw = true,
        MinSize = 0.46f,
        MaxSize = 0.6f,
        MaxShift = 0.04f,
        KeepInside = true,
        ExpressionScale = 1f,
        Expressions = ExpressionSource.Emotions,
        OccluderRate = 0.05f,
        NoiseRate = 0.2f,
        MaxNoise = 0.03f,
        BlurRate = 0.1f,
        HarshLightRate = 0.2f,
        ClutterRate = 0.3f,
        GrayscaleRate = 0.05f,
        ExposureJitter = 0.2f,
    };

    /// <summary>3D face alignment (AFLW2000-3D-like): yaw uniform over ±60°, landmarks kept in the image.</summary>
    public static readonly SynthProfile Landmarks3D = new()
    {
        Labelled = true,
        MaxYawDegrees = 60,
        MaxPitchDegrees = 20,
        MaxRollDegrees = 15,
        MinSize = 0.42f,
        MaxSize = 0.6f,
        MaxShift = 0.05f,
        KeepInside = true,
        ExpressionScale = 0.9f,
        NoiseRate = 0.2f,
        MaxNoise = 0.03f,
        BlurRate = 0.1f,
        HarshLightRate = 0.2f,
        ClutterRate = 0.3f,
        ExposureJitter = 0.2f,
    };

    public static SynthProfile For(SynthFlavour flavour) => flavour switch
    {
        SynthFlavour.Curated => Curated,
        SynthFlavour.Uncurated => Uncurated,
        SynthFlavour.Video => Video,
        _ => throw new ArgumentOutOfRangeException(nameof(flavour), flavour, $"Flavour {flavour} is not a known SynthFace flavour."),
    };
}
