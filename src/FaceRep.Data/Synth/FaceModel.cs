using System.Numerics;

namespace FaceRep.Data.Synth;

/// <summary>Identity shape coefficients: each roughly standard normal, shared by every image of one identity.</summary>
internal struct FaceShape
{
    public float FaceWidth;
    public float FaceLength;
    public float JawSquareness;
    public float ChinLength;
    public float EyeSpacing;
    public float EyeSize;
    public float EyeTilt;
    public float NoseLength;
    public float NoseWidth;
    public float MouthWidth;
    public float LipThickness;
    public float MouthHeight;
    public float BrowHeight;
    public float BrowArch;

    public static FaceShape Draw(ref SynthRandom rng) => new()
    {
        FaceWidth = rng.Normal(),
        FaceLength = rng.Normal(),
        JawSquareness = rng.Normal(),
        ChinLength = rng.Normal(),
        EyeSpacing = rng.Normal(),
        EyeSize = rng.Normal(),
        EyeTilt = rng.Normal(),
        NoseLength = rng.Normal(),
        NoseWidth = rng.Normal(),
        MouthWidth = rng.Normal(),
        LipThickness = rng.Normal(),
        MouthHeight = rng.Normal(),
        BrowHeight = rng.Normal(),
        BrowArch = rng.Normal(),
    };
}

/// <summary>
/// Per-image expression: action-unit intensities for each half of the face (equal for symmetric actions),
/// eyelid closure (blinks and winks) and gaze. Closure and gaze are not among the labelled action units.
/// </summary>
internal struct Expression
{
    /// <summary>Intensities acting on the image's left half (the subject's right side).</summary>
    public UnitIntensities ImageLeft;

    /// <summary>Intensities acting on the image's right half (the subject's left side).</summary>
    public UnitIntensities ImageRight;

    /// <summary>0 open … 1 closed, for the eye on the image's left (points 36–41).</summary>
    public float RightEyeClosure;

    /// <summary>0 open … 1 closed, for the eye on the image's right (points 42–47).</summary>
    public float LeftEyeClosure;

    /// <summary>Iris offset as a fraction of the eye's half-width (x) and half-height (y).</summary>
    public float GazeX;
    public float GazeY;

    /// <summary>Sets a unit's intensity on both halves.</summary>
    public void Set(int unit, float intensity)
    {
        ImageLeft[unit] = intensity;
        ImageRight[unit] = intensity;
    }

    /// <summary>A unit's label: its intensity where it acts (the larger of the two halves).</summary>
    public readonly float Intensity(int unit) => MathF.Max(ImageLeft[unit], ImageRight[unit]);

    /// <summary>Multiplies every intensity by <paramref name="factor"/>, keeping them within [0, 5].</summary>
    public void Scale(float factor)
    {
        for (var unit = 0; unit < FacialActions.Count; unit++)
        {
            ImageLeft[unit] = Math.Clamp(ImageLeft[unit] * factor, 0f, SynthFaceLabels.MaxIntensity);
            ImageRight[unit] = Math.Clamp(ImageRight[unit] * factor, 0f, SynthFaceLabels.MaxIntensity);
        }
    }
}

/// <summary>
/// The 3D face over the 68-point iBUG/300W layout (jaw 0–16, brows 17–26, nose 27–35, eyes 36–47,
/// mouth 48–67). Head coordinates: x to the image's right, y down, z towards the camera; the jaw spans
/// x ∈ [−1, 1], the eyes sit near y = 0 and the chin at y ≈ 1.64.
/// </summary>
internal static class FaceModel
{
    public const int PointCount = 68;

    /// <summary>Centre and radii of the skull ellipsoid that carries the hair and the forehead.</summary>
    public static readonly Vector3 HeadCentre = new(0f, -0.15f, -0.85f);
    public static readonly Vector3 HeadRadii = new(1.06f, 1.45f, 1.05f);

    private static readonly Vector3[] Mean = BuildMean();

    private static readonly float[] JawSquare = [0, 0, 0, 0.3f, 0.7f, 1f, 0.8f, 0.35f, 0, 0.35f, 0.8f, 1f, 0.7f, 0.3f, 0, 0, 0];
    private static readonly float[] Chin = [0, 0, 0, 0.05f, 0.15f, 0.35f, 0.6f, 0.88f, 1f, 0.88f, 0.6f, 0.35f, 0.15f, 0.05f, 0, 0, 0];

    /// <summary>Writes the 68 points of one identity wearing one expression.</summary>
    public static void Build(in FaceShape id, in Expression e, Span<Vector3> p)
    {
        BuildNeutral(id, p);
        FacialActions.Apply(e, p);
        Settle(p);
        CloseEye(p, 37, 41, e.RightEyeClosure);
        CloseEye(p, 38, 40, e.RightEyeClosure);
        CloseEye(p, 43, 47, e.LeftEyeClosure);
        CloseEye(p, 44, 46, e.LeftEyeClosure);
    }

    /// <summary>Writes the 68 points of one identity at rest (no action unit, eyes open).</summary>
    public static void BuildNeutral(in FaceShape id, Span<Vector3> p)
    {
        Mean.CopyTo(p);
        ApplyIdentity(id, p);
    }

    /// <summary>The mean face's x for landmark <paramref name="i"/> (negative on the image's left).</summary>
    public static float MeanX(int i) => Mean[i].X;

    /// <summary>How much jaw point <paramref name="i"/> (0–16) moves with the chin: 0 at the ears, 1 at the chin.</summary>
    public static float ChinWeight(int i) => Chin[i];

    /// <summary>The point on the skull ellipsoid's front at (x, y), or null if (x, y) lies outside its outline.</summary>
    public static Vector3? OnSkullFront(float x, float y)
    {
        var r = HeadRadii;
        var dx = x / r.X;
        var dy = (y - HeadCentre.Y) / r.Y;
        var q = 1f - (dx * dx) - (dy * dy);
        return q < 0f ? null : new Vector3(x, y, HeadCentre.Z + (r.Z * MathF.Sqrt(q)));
    }

    private static void ApplyIdentity(in FaceShape id, Span<Vector3> p)
    {
        var jawWidth = 1f + (0.07f * id.FaceWidth);
        var featureWidth = 1f + (0.025f * id.FaceWidth);
        for (var i = 0; i < 17; i++)
        {
            p[i].X = (p[i].X * jawWidth) + (MathF.Sign(p[i].X) * 0.07f * id.JawSquareness * JawSquare[i]);
            p[i].Y += 0.08f * id.ChinLength * Chin[i];
        }

        for (var i = 17; i < PointCount; i++)
        {
            p[i].X *= featureWidth;
        }

        var length = 1f + (0.07f * id.FaceLength);
        for (var i = 0; i < PointCount; i++)
        {
            if (p[i].Y > 0.5f)
            {
                p[i].Y = 0.5f + ((p[i].Y - 0.5f) * length);
            }
        }

        for (var i = 36; i < 48; i++)
        {
            p[i].X += (i < 42 ? -1f : 1f) * 0.035f * id.EyeSpacing;
        }

        ScaleAboutCentre(p.Slice(36, 6), 1f + (0.1f * id.EyeSize));
        ScaleAboutCentre(p.Slice(42, 6), 1f + (0.1f * id.EyeSize));
        p[36].Y -= 0.025f * id.EyeTilt;
        p[45].Y -= 0.025f * id.EyeTilt;
        p[37].Y -= 0.01f * id.EyeTilt;
        p[44].Y -= 0.01f * id.EyeTilt;

        p[28].Y += 0.02f * id.NoseLength;
        p[29].Y += 0.04f * id.NoseLength;
        for (var i = 30; i < 36; i++)
        {
            p[i].Y += 0.06f * id.NoseLength;
        }

        p[30].Z += 0.04f * id.NoseLength;
        for (var i = 31; i < 36; i++)
        {
            p[i].X *= 1f + (0.15f * id.NoseWidth);
        }

        for (var i = 48; i < PointCount; i++)
        {
            p[i].X *= 1f + (0.09f * id.MouthWidth);
            p[i].Y += 0.04f * id.MouthHeight;
        }

        for (var i = 49; i < 54; i++)
        {
            p[i].Y -= 0.025f * id.LipThickness;
        }

        for (var i = 55; i < 60; i++)
        {
            p[i].Y += 0.035f * id.LipThickness;
        }

        for (var i = 17; i < 27; i++)
        {
            p[i].Y -= 0.045f * id.BrowHeight;
        }

        p[19].Y -= 0.03f * id.BrowArch;
        p[24].Y -= 0.03f * id.BrowArch;
        p[17].Y += 0.02f * id.BrowArch;
        p[26].Y += 0.02f * id.BrowArch;
    }

    /// <summary>
    /// Keeps summed actions physical: lips and lids may meet but not pass through each other, and the red of
    /// each lip keeps a little height. A no-op on every neutral face.
    /// </summary>
    private static void Settle(Span<Vector3> p)
    {
        // Inner lips: upper 61–63 above lower 67–65.
        Meet(p, 61, 67, 0f);
        Meet(p, 62, 66, 0f);
        Meet(p, 63, 65, 0f);

        // Outer lips stay outside the inner ones.
        KeepOutside(p, 50, 61, 0.02f, upperLip: true);
        KeepOutside(p, 51, 62, 0.02f, upperLip: true);
        KeepOutside(p, 52, 63, 0.02f, upperLip: true);
        KeepOutside(p, 58, 67, 0.02f, upperLip: false);
        KeepOutside(p, 57, 66, 0.02f, upperLip: false);
        KeepOutside(p, 56, 65, 0.02f, upperLip: false);

        // Lids: upper 37, 38, 43, 44 above lower 41, 40, 47, 46.
        Meet(p, 37, 41, 0.004f);
        Meet(p, 38, 40, 0.004f);
        Meet(p, 43, 47, 0.004f);
        Meet(p, 44, 46, 0.004f);
    }

    /// <summary>If the upper point has come within <paramref name="gap"/> of the lower one (or below it), both meet halfway.</summary>
    private static void Meet(Span<Vector3> p, int upper, int lower, float gap)
    {
        if (p[lower].Y - p[upper].Y < gap)
        {
            var middle = 0.5f * (p[upper].Y + p[lower].Y);
            p[upper].Y = middle - (0.5f * gap);
            p[lower].Y = middle + (0.5f * gap);
        }
    }

    /// <summary>Keeps an outer-lip point at least <paramref name="gap"/> outside the inner-lip point next to it; the outer point gives way.</summary>
    private static void KeepOutside(Span<Vector3> p, int outer, int inner, float gap, bool upperLip)
    {
        if (upperLip && p[outer].Y > p[inner].Y - gap)
        {
            p[outer].Y = p[inner].Y - gap;
        }
        else if (!upperLip && p[outer].Y < p[inner].Y + gap)
        {
            p[outer].Y = p[inner].Y + gap;
        }
    }

    private static void CloseEye(Span<Vector3> p, int upper, int lower, float closure)
    {
        var gap = p[lower].Y - p[upper].Y;
        p[upper].Y += 0.85f * closure * gap;
        p[lower].Y -= 0.15f * closure * gap;
    }

    private static void ScaleAboutCentre(Span<Vector3> p, float factor)
    {
        var centre = Vector3.Zero;
        foreach (var q in p)
        {
            centre += q;
        }

        centre /= p.Length;
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = centre + ((p[i] - centre) * factor);
        }
    }

    private static Vector3[] BuildMean()
    {
        var p = new Vector3[PointCount];

        void Pair(int left, int right, float x, float y, float z)
        {
            p[left] = new Vector3(-MathF.Abs(x), y, z);
            p[right] = new Vector3(MathF.Abs(x), y, z);
        }

        void Centre(int i, float y, float z) => p[i] = new Vector3(0f, y, z);

        // Jaw, from the image's left at eye level, round the chin (8), up to the right.
        Pair(0, 16, 1.0f, 0.0f, -0.6f);
        Pair(1, 15, 0.997f, 0.268f, -0.55f);
        Pair(2, 14, 0.971f, 0.537f, -0.5f);
        Pair(3, 13, 0.918f, 0.802f, -0.42f);
        Pair(4, 12, 0.816f, 1.047f, -0.3f);
        Pair(5, 11, 0.656f, 1.265f, -0.15f);
        Pair(6, 10, 0.463f, 1.449f, -0.02f);
        Pair(7, 9, 0.246f, 1.599f, 0.09f);
        Centre(8, 1.642f, 0.14f);

        // Brows: 17 and 26 are the outer ends, 21 and 22 the inner.
        Pair(17, 26, 0.794f, -0.198f, -0.15f);
        Pair(18, 25, 0.669f, -0.296f, -0.02f);
        Pair(19, 24, 0.501f, -0.321f, 0.07f);
        Pair(20, 23, 0.329f, -0.292f, 0.12f);
        Pair(21, 22, 0.165f, -0.223f, 0.14f);

        // Nose: bridge 27–30 down to the tip, base 31–35 from wing to wing.
        Centre(27, -0.025f, 0.12f);
        Centre(28, 0.148f, 0.22f);
        Centre(29, 0.323f, 0.34f);
        Centre(30, 0.501f, 0.46f);
        Pair(31, 35, 0.194f, 0.613f, 0.18f);
        Pair(32, 34, 0.102f, 0.652f, 0.26f);
        Centre(33, 0.683f, 0.3f);

        // Eyes: outer corner, two upper-lid points, inner corner, two lower-lid points.
        Pair(36, 45, 0.597f, -0.009f, -0.12f);
        Pair(37, 44, 0.491f, -0.07f, 0.0f);
        Pair(38, 43, 0.363f, -0.069f, 0.02f);
        Pair(39, 42, 0.255f, 0.014f, 0.0f);
        Pair(40, 47, 0.373f, 0.038f, 0.02f);
        Pair(41, 46, 0.498f, 0.036f, 0.0f);

        // Mouth, outer contour: corner 48, upper lip 49–53, corner 54, lower lip 55–59.
        Pair(48, 54, 0.39f, 0.927f, 0.05f);
        Pair(49, 53, 0.247f, 0.871f, 0.16f);
        Pair(50, 52, 0.103f, 0.845f, 0.22f);
        Centre(51, 0.87f, 0.24f);
        Pair(59, 55, 0.253f, 1.073f, 0.14f);
        Pair(58, 56, 0.112f, 1.138f, 0.19f);
        Centre(57, 1.15f, 0.2f);

        // Mouth, inner contour (closed at rest): corner 60, upper 61–63, corner 64, lower 65–67.
        Pair(60, 64, 0.328f, 0.937f, 0.08f);
        Pair(61, 63, 0.104f, 0.958f, 0.19f);
        Centre(62, 0.962f, 0.2f);
        Pair(67, 65, 0.11f, 0.964f, 0.18f);
        Centre(66, 0.968f, 0.19f);
        return p;
    }
}
