using System.Numerics;
using System.Runtime.CompilerServices;

namespace FaceRep.Data.Synth;

/// <summary>Action-unit intensities (0–5) for one side of the face, in <see cref="SynthFaceLabels.ActionUnits"/> order.</summary>
[InlineArray(FacialActions.Count)]
internal struct UnitIntensities
{
    private float _element;
}

/// <summary>
/// The FACS action units as blend shapes over the 68-point model: each unit moves the landmarks it acts on
/// in its FACS direction, in proportion to its intensity, and an expression is the sum of its units'
/// displacements. Displacements are in head units (the jaw spans x ∈ [−1, 1]; y down; z towards the
/// camera) at intensity 5, written for the image's right half and mirrored onto the left.
/// </summary>
internal static class FacialActions
{
    public const int Count = 16;

    // Positions in SynthFaceLabels.ActionUnits.
    public const int Au1 = 0;
    public const int Au2 = 1;
    public const int Au4 = 2;
    public const int Au5 = 3;
    public const int Au6 = 4;
    public const int Au7 = 5;
    public const int Au9 = 6;
    public const int Au10 = 7;
    public const int Au12 = 8;
    public const int Au14 = 9;
    public const int Au15 = 10;
    public const int Au17 = 11;
    public const int Au20 = 12;
    public const int Au23 = 13;
    public const int Au25 = 14;
    public const int Au26 = 15;

    private const int Points = FaceModel.PointCount;

    /// <summary>Per unit, per landmark: (outward, down, towards the camera) at full intensity.</summary>
    private static readonly Vector3[] Deltas = BuildDeltas();

    /// <summary>Per landmark: −1 on the image's left half, +1 on its right, 0 on the midline.</summary>
    private static readonly sbyte[] Sides = BuildSides();

    /// <summary>Adds the displacement of every active unit; units act on each half with that half's intensity.</summary>
    public static void Apply(in Expression e, Span<Vector3> p)
    {
        for (var unit = 0; unit < Count; unit++)
        {
            var left = e.ImageLeft[unit];
            var right = e.ImageRight[unit];
            if (left == 0f && right == 0f)
            {
                continue;
            }

            var wl = left / SynthFaceLabels.MaxIntensity;
            var wr = right / SynthFaceLabels.MaxIntensity;
            var wc = 0.5f * (wl + wr);
            var deltas = Deltas.AsSpan(unit * Points, Points);
            for (var i = 0; i < Points; i++)
            {
                var d = deltas[i];
                if (d == Vector3.Zero)
                {
                    continue;
                }

                var side = Sides[i];
                var w = side < 0 ? wl : side > 0 ? wr : wc;
                p[i] += w * new Vector3(side * d.X, d.Y, d.Z);
            }
        }
    }

    private static sbyte[] BuildSides()
    {
        var sides = new sbyte[Points];
        for (var i = 0; i < Points; i++)
        {
            sides[i] = (sbyte)MathF.Sign(FaceModel.MeanX(i));
        }

        return sides;
    }

    private static Vector3[] BuildDeltas()
    {
        var d = new Vector3[Count * Points];

        // A point and its mirror image (left index first) move alike: outward, down, forward.
        void Pair(int unit, int left, int right, float outward, float down, float forward = 0f)
        {
            d[(unit * Points) + left] = new Vector3(outward, down, forward);
            d[(unit * Points) + right] = new Vector3(outward, down, forward);
        }

        void Centre(int unit, int point, float down, float forward = 0f) => d[(unit * Points) + point] = new Vector3(0f, down, forward);

        // AU1 inner brow raiser: the inner halves of the brows rise, the brows slant up towards the middle.
        Pair(Au1, 21, 22, -0.01f, -0.21f);
        Pair(Au1, 20, 23, 0f, -0.16f);
        Pair(Au1, 19, 24, 0f, -0.08f);
        Pair(Au1, 18, 25, 0f, -0.02f);

        // AU2 outer brow raiser: the outer halves rise and arch.
        Pair(Au2, 17, 26, 0f, -0.17f);
        Pair(Au2, 18, 25, 0f, -0.19f);
        Pair(Au2, 19, 24, 0f, -0.14f);
        Pair(Au2, 20, 23, 0f, -0.065f);
        Pair(Au2, 21, 22, 0f, -0.015f);

        // AU4 brow lowerer: the brows come down and together, most at their inner ends; the upper lids follow.
        Pair(Au4, 21, 22, -0.09f, 0.15f);
        Pair(Au4, 20, 23, -0.065f, 0.115f);
        Pair(Au4, 19, 24, -0.035f, 0.08f);
        Pair(Au4, 18, 25, -0.01f, 0.045f);
        Pair(Au4, 17, 26, 0f, 0.025f);
        Pair(Au4, 38, 43, 0f, 0.018f);
        Pair(Au4, 37, 44, 0f, 0.012f);
        Centre(Au4, 27, 0.015f);

        // AU5 upper lid raiser: the upper lids rise and bare more of the eyeball.
        Pair(Au5, 37, 44, 0f, -0.065f);
        Pair(Au5, 38, 43, 0f, -0.065f);
        Pair(Au5, 36, 45, 0f, -0.008f);
        Pair(Au5, 39, 42, 0f, -0.004f);

        // AU6 cheek raiser: the cheeks lift, pushing the lower lids up (crow's feet) and the mouth corners a little.
        Pair(Au6, 40, 47, 0f, -0.05f);
        Pair(Au6, 41, 46, 0f, -0.055f);
        Pair(Au6, 36, 45, 0f, -0.012f);
        Pair(Au6, 37, 44, 0f, 0.012f);
        Pair(Au6, 38, 43, 0f, 0.008f);
        Pair(Au6, 3, 13, 0.01f, -0.03f);
        Pair(Au6, 2, 14, 0.01f, -0.02f);
        Pair(Au6, 48, 54, 0f, -0.02f);
        Pair(Au6, 60, 64, 0f, -0.02f);

        // AU7 lid tightener: the lids tighten, the lower lid rises and straightens.
        Pair(Au7, 40, 47, 0f, -0.04f);
        Pair(Au7, 41, 46, 0f, -0.035f);
        Pair(Au7, 37, 44, 0f, 0.014f);
        Pair(Au7, 38, 43, 0f, 0.014f);

        // AU9 nose wrinkler: the nose wings and tip pull up, the inner brows drop, the upper lip lifts.
        Pair(Au9, 31, 35, 0.025f, -0.07f);
        Pair(Au9, 32, 34, 0.015f, -0.065f);
        Centre(Au9, 33, -0.06f);
        Centre(Au9, 30, -0.03f);
        Centre(Au9, 29, -0.015f);
        Pair(Au9, 21, 22, -0.03f, 0.06f);
        Pair(Au9, 20, 23, -0.015f, 0.04f);
        Pair(Au9, 40, 47, 0f, -0.015f);
        Pair(Au9, 41, 46, 0f, -0.015f);
        Pair(Au9, 49, 53, 0f, -0.025f);
        Pair(Au9, 50, 52, 0f, -0.04f);
        Centre(Au9, 51, -0.04f);
        Pair(Au9, 61, 63, 0f, -0.035f);
        Centre(Au9, 62, -0.035f);

        // AU10 upper lip raiser: the upper lip rises (its middle most), parting the lips at the top.
        Pair(Au10, 49, 53, 0f, -0.06f);
        Pair(Au10, 50, 52, 0f, -0.075f);
        Centre(Au10, 51, -0.07f);
        Pair(Au10, 61, 63, 0f, -0.075f);
        Centre(Au10, 62, -0.07f);
        Pair(Au10, 48, 54, 0f, -0.02f);
        Pair(Au10, 60, 64, 0f, -0.02f);
        Pair(Au10, 31, 35, 0f, -0.02f);

        // AU12 lip corner puller: the corners go up and out (a smile), the lips beside them follow, the cheeks widen.
        Pair(Au12, 48, 54, 0.12f, -0.15f);
        Pair(Au12, 60, 64, 0.11f, -0.14f);
        Pair(Au12, 49, 53, 0.045f, -0.06f);
        Pair(Au12, 59, 55, 0.045f, -0.055f);
        Pair(Au12, 61, 63, 0.04f, -0.055f);
        Pair(Au12, 67, 65, 0.04f, -0.05f);
        Pair(Au12, 50, 52, 0.01f, -0.015f);
        Pair(Au12, 58, 56, 0.01f, -0.01f);
        Pair(Au12, 3, 13, 0.025f, 0f);
        Pair(Au12, 4, 12, 0.025f, 0f);
        Pair(Au12, 5, 11, 0.015f, 0f);
        Pair(Au12, 40, 47, 0f, -0.01f);
        Pair(Au12, 41, 46, 0f, -0.01f);

        // AU14 dimpler: the corners tighten and draw back, slightly up and out.
        Pair(Au14, 48, 54, 0.05f, -0.045f, -0.06f);
        Pair(Au14, 60, 64, 0.045f, -0.04f, -0.05f);
        Pair(Au14, 49, 53, 0.01f, -0.01f);
        Pair(Au14, 59, 55, 0.01f, -0.01f);
        Pair(Au14, 4, 12, 0.01f, 0f);

        // AU15 lip corner depressor: the corners pull down, the lips beside them follow.
        Pair(Au15, 48, 54, 0.01f, 0.14f);
        Pair(Au15, 60, 64, 0.01f, 0.13f);
        Pair(Au15, 49, 53, 0f, 0.05f);
        Pair(Au15, 59, 55, 0f, 0.055f);
        Pair(Au15, 61, 63, 0f, 0.045f);
        Pair(Au15, 67, 65, 0f, 0.045f);
        Pair(Au15, 6, 10, 0f, 0.01f);

        // AU17 chin raiser: the chin boss pushes the lower lip up, which pushes up the upper lip; the corners drop.
        Centre(Au17, 8, -0.05f, 0.05f);
        Pair(Au17, 7, 9, 0f, -0.04f, 0.03f);
        Pair(Au17, 6, 10, 0f, -0.02f);
        Centre(Au17, 57, -0.075f, 0.03f);
        Pair(Au17, 58, 56, 0f, -0.07f, 0.02f);
        Pair(Au17, 59, 55, 0f, -0.045f);
        Centre(Au17, 66, -0.06f);
        Pair(Au17, 67, 65, 0f, -0.05f);
        Centre(Au17, 62, -0.05f);
        Pair(Au17, 61, 63, 0f, -0.045f);
        Centre(Au17, 51, -0.035f);
        Pair(Au17, 50, 52, 0f, -0.035f);
        Pair(Au17, 49, 53, 0f, -0.02f);
        Pair(Au17, 48, 54, 0f, 0.03f);
        Pair(Au17, 60, 64, 0f, 0.02f);

        // AU20 lip stretcher: the corners pull sideways, the lips flatten and thin.
        Pair(Au20, 48, 54, 0.12f, 0.025f);
        Pair(Au20, 60, 64, 0.11f, 0.02f);
        Pair(Au20, 49, 53, 0.05f, 0.005f);
        Pair(Au20, 59, 55, 0.05f, -0.005f);
        Pair(Au20, 61, 63, 0.045f, 0f);
        Pair(Au20, 67, 65, 0.045f, 0f);
        Pair(Au20, 50, 52, 0.015f, 0.012f);
        Centre(Au20, 51, 0.012f);
        Pair(Au20, 58, 56, 0.015f, -0.018f);
        Centre(Au20, 57, -0.018f);
        Pair(Au20, 4, 12, 0.012f, 0f);
        Pair(Au20, 5, 11, 0.012f, 0f);

        // AU23 lip tightener: the lips narrow and thin (the red of the lips rolls in).
        Pair(Au23, 48, 54, -0.05f, 0f);
        Pair(Au23, 60, 64, -0.045f, 0f);
        Pair(Au23, 49, 53, -0.02f, 0.03f);
        Pair(Au23, 50, 52, -0.01f, 0.035f);
        Centre(Au23, 51, 0.035f);
        Pair(Au23, 59, 55, -0.02f, -0.035f);
        Pair(Au23, 58, 56, -0.01f, -0.045f);
        Centre(Au23, 57, -0.045f);

        // AU25 lips part: the lips separate (the lower one most) without the jaw dropping.
        Pair(Au25, 61, 63, 0f, -0.025f);
        Centre(Au25, 62, -0.03f);
        Pair(Au25, 67, 65, 0f, 0.06f);
        Centre(Au25, 66, 0.07f);
        Pair(Au25, 59, 55, 0f, 0.035f);
        Pair(Au25, 58, 56, 0f, 0.05f);
        Centre(Au25, 57, 0.055f);
        Pair(Au25, 50, 52, 0f, -0.01f);
        Centre(Au25, 51, -0.01f);

        // AU26 jaw drop: the jaw and lower lip drop, the corners follow a little and draw in.
        for (var i = 0; i < 8; i++)
        {
            Pair(Au26, i, 16 - i, 0f, 0.32f * FaceModel.ChinWeight(i));
        }

        Centre(Au26, 8, 0.32f * FaceModel.ChinWeight(8));
        Pair(Au26, 59, 55, 0f, 0.27f);
        Pair(Au26, 58, 56, 0f, 0.32f);
        Centre(Au26, 57, 0.32f);
        Pair(Au26, 67, 65, 0f, 0.32f);
        Centre(Au26, 66, 0.32f);
        Pair(Au26, 48, 54, -0.035f, 0.1f);
        Pair(Au26, 60, 64, -0.03f, 0.1f);
        Pair(Au26, 61, 63, 0f, -0.02f);
        Centre(Au26, 62, -0.02f);
        return d;
    }
}
