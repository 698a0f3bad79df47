using System.Numerics;
using static FaceRep.Data.Synth.FacialActions;

namespace FaceRep.Data.Synth;

/// <summary>Where a profile's facial expressions come from.</summary>
internal enum ExpressionSource
{
    /// <summary>In-the-wild mixture: half emotion prototypes of any class, half spontaneous action units.</summary>
    Wild,

    /// <summary>Spontaneous action units, each mostly absent and spread over 0–5 when present (DISFA-like).</summary>
    ActionUnits,

    /// <summary>One emotion per image from its FACS prototype, the eight classes balanced (AffectNet-like).</summary>
    Emotions,
}

/// <summary>An expression with the emotion it was built from, or −1 when it was not built from one.</summary>
internal readonly record struct Affect(int Emotion, float Intensity)
{
    public const int EmotionCount = 8;

    /// <summary>
    /// Each emotion's prototype: (position in the unit list, intensity at full expression). Built on the
    /// FACS/EMFACS prototypes: happy 6+12, sad 1+4+15 (+17), surprise 1+2+5+26 (lips parted, 25), fear
    /// 1+2+4+5+20+26 (+25), disgust 9+10 (+15+17), anger 4+5+7+23 (+17), contempt unilateral 12+14.
    /// </summary>
    private static readonly (int Unit, float Intensity)[][] Prototypes =
    [
        [],
        [(Au6, 4f), (Au12, 5f)],
        [(Au1, 4.5f), (Au4, 3.5f), (Au15, 4.5f), (Au17, 2.5f)],
        [(Au1, 4.5f), (Au2, 4.5f), (Au5, 4f), (Au25, 3f), (Au26, 4.5f)],
        [(Au1, 4f), (Au2, 3f), (Au4, 3f), (Au5, 4f), (Au20, 4.5f), (Au25, 3f), (Au26, 2.5f)],
        [(Au9, 4.5f), (Au10, 4f), (Au15, 2.5f), (Au17, 2.5f)],
        [(Au4, 5f), (Au5, 2.5f), (Au7, 3.5f), (Au17, 2.5f), (Au23, 4f)],
        [(Au12, 3.5f), (Au14, 4f)],
    ];

    /// <summary>
    /// Valence and arousal of each emotion at full intensity, placed on Russell's circumplex near AffectNet's
    /// per-class means: the label is this point times the image's intensity, plus a little noise. Neutral sits
    /// at the origin; happy is pleasant and mildly aroused; sad unpleasant and calm; surprise aroused and
    /// slightly pleasant; fear and anger unpleasant and aroused; disgust and contempt unpleasant and moderate.
    /// </summary>
    private static readonly Vector2[] Circumplex =
    [
        new(0f, 0f),
        new(0.8f, 0.35f),
        new(-0.7f, -0.35f),
        new(0.15f, 0.8f),
        new(-0.6f, 0.75f),
        new(-0.65f, 0.35f),
        new(-0.6f, 0.65f),
        new(-0.45f, 0.15f),
    ];

    /// <summary>Frequencies of the common spontaneous actions: which units tend to fire together, and how often.</summary>
    private static readonly (int[] Units, float Weight)[] Events =
    [
        ([Au1, Au2], 1f),
        ([Au1], 0.4f),
        ([Au2], 0.2f),
        ([Au4], 1f),
        ([Au1, Au4], 0.4f),
        ([Au4, Au7], 0.5f),
        ([Au5], 0.4f),
        ([Au6, Au12], 1.2f),
        ([Au6, Au7], 0.3f),
        ([Au12], 0.6f),
        ([Au9], 0.4f),
        ([Au9, Au10], 0.3f),
        ([Au10], 0.4f),
        ([Au14], 0.5f),
        ([Au15], 0.3f),
        ([Au15, Au17], 0.6f),
        ([Au17], 0.5f),
        ([Au20], 0.4f),
        ([Au23], 0.4f),
        ([Au25], 0.8f),
        ([Au25, Au26], 1f),
    ];

    private static readonly float EventWeight = Events.Sum(e => e.Weight);

    /// <summary>The units an emotion's prototype uses (positions in the unit list).</summary>
    public static ReadOnlySpan<(int Unit, float Intensity)> Prototype(int emotion) => Prototypes[emotion];

    /// <summary>
    /// An expression of <paramref name="emotion"/> at a random intensity in [<paramref name="minIntensity"/>, 1]:
    /// its prototype units scaled by the intensity (each jittered by ±20%; half the happy faces also part the
    /// lips), and with probability 0.15 each other unit at a trace level (below 1).
    /// </summary>
    public static Affect Emotional(ref SynthRandom rng, int emotion, float minIntensity, ref Expression e)
    {
        var intensity = rng.Range(minIntensity, 1f);
        Span<bool> used = stackalloc bool[Count];
        var prototype = Prototypes[emotion];
        var onImageLeft = rng.Chance(0.5f);
        foreach (var (unit, full) in prototype)
        {
            var value = Math.Clamp(full * intensity * rng.Range(0.8f, 1.2f), 0f, SynthFaceLabels.MaxIntensity);
            if (emotion == SynthFaceLabels.Contempt)
            {
                // Unilateral: one mouth corner only.
                if (onImageLeft)
                {
                    e.ImageLeft[unit] = value;
                }
                else
                {
                    e.ImageRight[unit] = value;
                }
            }
            else
            {
                e.Set(unit, value);
            }

            used[unit] = true;
        }

        if (emotion == SynthFaceLabels.Happy && rng.Chance(0.5f))
        {
            // Half the smiles part the lips and show the teeth.
            e.Set(Au25, Math.Clamp(3f * intensity * rng.Range(0.8f, 1.2f), 0f, SynthFaceLabels.MaxIntensity));
            used[Au25] = true;
        }

        for (var unit = 0; unit < Count; unit++)
        {
            if (!used[unit] && rng.Chance(0.15f))
            {
                e.Set(unit, rng.Range(0f, 1f));
            }
        }

        return new Affect(emotion, intensity);
    }

    /// <summary>
    /// Spontaneous action: 0–3 co-occurring actions drawn by their frequency, each at an intensity in [0.5, 5]
    /// shared by its units (jittered by ±15%); a unit hit twice keeps the stronger intensity. Most units are
    /// absent from most images, as in DISFA.
    /// </summary>
    public static Affect Spontaneous(ref SynthRandom rng, ref Expression e)
    {
        var u = rng.NextFloat();
        var count = u < 0.15f ? 0 : u < 0.5f ? 1 : u < 0.8f ? 2 : 3;
        for (var k = 0; k < count; k++)
        {
            var pick = rng.NextFloat() * EventWeight;
            var chosen = Events[^1];
            foreach (var candidate in Events)
            {
                if (pick < candidate.Weight)
                {
                    chosen = candidate;
                    break;
                }

                pick -= candidate.Weight;
            }

            var level = rng.Range(0.5f, SynthFaceLabels.MaxIntensity);
            foreach (var unit in chosen.Units)
            {
                var value = Math.Clamp(level * rng.Range(0.85f, 1.15f), 0f, SynthFaceLabels.MaxIntensity);
                e.Set(unit, MathF.Max(e.Intensity(unit), value));
            }
        }

        return new Affect(-1, 0f);
    }

    /// <summary>In-the-wild expressions: half the time an emotion prototype of any class (intensity ≥ 0.2), otherwise spontaneous action.</summary>
    public static Affect Wild(ref SynthRandom rng, ref Expression e) =>
        rng.Chance(0.5f) ? Emotional(ref rng, rng.NextInt(EmotionCount), 0.2f, ref e) : Spontaneous(ref rng, ref e);

    /// <summary>
    /// The valence and arousal labels of an emotional expression: its class's circumplex point scaled by the
    /// intensity, plus Gaussian noise of standard deviation 0.05, clamped to [−1, 1].
    /// </summary>
    public Vector2 ValenceArousal(ref SynthRandom rng)
    {
        var point = Circumplex[Emotion] * Intensity;
        var noisy = point + new Vector2(0.05f * rng.Normal(), 0.05f * rng.Normal());
        return Vector2.Clamp(noisy, new Vector2(-1f), Vector2.One);
    }
}
