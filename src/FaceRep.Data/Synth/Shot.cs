using System.Numerics;

namespace FaceRep.Data.Synth;

/// <summary>Everything that varies per image (or per clip, moved along by the frame number).</summary>
internal struct Shot
{
    private const float Degree = MathF.PI / 180f;

    public float Yaw;
    public float Pitch;
    public float Roll;
    public Expression Expression;

    /// <summary>The emotion the expression was built from (and its intensity), or −1 when none was.</summary>
    public Affect Affect;

    /// <summary>Valence and arousal labels in [−1, 1]; NaN unless the profile labels emotions.</summary>
    public float Valence;
    public float Arousal;

    /// <summary>The face's width (jaw at rest) as a fraction of the image width.</summary>
    public float Size;

    /// <summary>Offset of the face from its usual place, as a fraction of the image width.</summary>
    public Vector2 Shift;

    /// <summary>Unit direction towards the light in image space (x right, y down, z to the viewer).</summary>
    public Vector3 Light;
    public float Ambient;
    public float Diffuse;
    public Vector3 Tint;
    public float Exposure;
    public float Contrast;
    public Vector3 Clothing;
    public int Occluders;
    public int BlurPasses;
    public float Noise;
    public bool Grayscale;

    /// <summary>
    /// Draws a shot. For clips the generator is the clip's, so every frame draws the same values; the frame
    /// number then moves pose, framing and expression slowly along the clip. <paramref name="emotion"/> is the
    /// class to express when the profile's expressions are emotions.
    /// </summary>
    public static Shot Draw(ref SynthRandom rng, SynthProfile profile, int frame, int emotion = -1)
    {
        var shot = new Shot();
        var es = profile.ExpressionScale;
        shot.Yaw = (profile.PeakedYaw ? rng.Triangular(profile.MaxYawDegrees) : rng.Symmetric(profile.MaxYawDegrees)) * Degree;
        shot.Pitch = rng.Symmetric(profile.MaxPitchDegrees) * Degree;
        shot.Roll = rng.Symmetric(profile.MaxRollDegrees) * Degree;

        var closure = rng.Chance(0.08f) ? rng.Range(0.7f, 1f) : rng.Range(0f, 0.3f);
        var wink = rng.Chance(0.03f) ? rng.Range(0.7f, 1f) : closure;
        var winkLeft = rng.Chance(0.5f);
        shot.Expression = new Expression
        {
            RightEyeClosure = (winkLeft ? closure : wink) * es,
            LeftEyeClosure = (winkLeft ? wink : closure) * es,
            GazeX = rng.Symmetric(0.5f),
            GazeY = rng.Symmetric(0.3f),
        };
        shot.Affect = profile.Expressions switch
        {
            ExpressionSource.Emotions => Affect.Emotional(ref rng, emotion, 0.5f, ref shot.Expression),
            ExpressionSource.ActionUnits => Affect.Spontaneous(ref rng, ref shot.Expression),
            _ => Affect.Wild(ref rng, ref shot.Expression),
        };
        shot.Expression.Scale(es);
        shot.Valence = float.NaN;
        shot.Arousal = float.NaN;
        if (profile.Expressions == ExpressionSource.Emotions)
        {
            var va = shot.Affect.ValenceArousal(ref rng);
            shot.Valence = va.X;
            shot.Arousal = va.Y;
        }

        shot.Size = rng.Range(profile.MinSize, profile.MaxSize);
        shot.Shift = new Vector2(rng.Symmetric(profile.MaxShift), rng.Symmetric(profile.MaxShift));

        var harsh = rng.Chance(profile.HarshLightRate);
        var azimuth = rng.Symmetric(harsh ? 1.5f : 0.9f);
        var elevation = rng.Range(-0.3f, 0.8f);
        shot.Light = Vector3.Normalize(new Vector3(MathF.Sin(azimuth) * MathF.Cos(elevation), -MathF.Sin(elevation), MathF.Cos(azimuth) * MathF.Cos(elevation)));
        shot.Ambient = harsh ? rng.Range(0.12f, 0.3f) : rng.Range(0.45f, 0.62f);
        shot.Diffuse = harsh ? rng.Range(0.8f, 1.2f) : rng.Range(0.4f, 0.6f);
        var tint = harsh ? 0.12f : 0.05f;
        shot.Tint = new Vector3(1f + rng.Symmetric(tint), 1f + rng.Symmetric(tint), 1f + rng.Symmetric(tint));
        shot.Exposure = 1f + rng.Symmetric(profile.ExposureJitter);
        shot.Contrast = 1f + rng.Symmetric(0.5f * profile.ExposureJitter);
        shot.Clothing = Colours.Random(ref rng);

        shot.Occluders = rng.Chance(profile.OccluderRate) ? 1 + rng.NextInt(2) : 0;
        shot.BlurPasses = rng.Chance(profile.BlurRate) ? 1 + rng.NextInt(2) : 0;
        shot.Noise = rng.Chance(profile.NoiseRate) ? rng.Range(0.01f, MathF.Max(0.01f, profile.MaxNoise)) : 0f;
        shot.Grayscale = rng.Chance(profile.GrayscaleRate);

        if (profile.ClipLength > 1)
        {
            shot.Move(ref rng, profile, frame);
        }

        return shot;
    }

    private void Move(ref SynthRandom rng, SynthProfile profile, int frame)
    {
        var t = (frame / (profile.ClipLength - 1f)) - 0.5f;
        Yaw = Math.Clamp(Yaw + (rng.Symmetric(16f) * Degree * t), -profile.MaxYawDegrees * Degree, profile.MaxYawDegrees * Degree);
        Pitch += rng.Symmetric(8f) * Degree * t;
        Roll += rng.Symmetric(6f) * Degree * t;
        Size *= 1f + (rng.Symmetric(0.08f) * t);
        Shift += new Vector2(rng.Symmetric(0.03f), rng.Symmetric(0.03f)) * t;

        // Talking: the lips part and the jaw opens and closes smoothly; smile and brows drift; at most one
        // blink in the clip.
        var amplitude = rng.Range(0.1f, 0.45f) * profile.ExpressionScale;
        var speed = rng.Range(0.25f, 0.6f);
        var phase = rng.Range(0f, 2f * MathF.PI);
        var talk = amplitude * (0.5f + (0.5f * MathF.Sin((speed * frame) + phase)));
        const float Max = SynthFaceLabels.MaxIntensity;
        Expression.Set(FacialActions.Au26, Math.Clamp((0.3f * Expression.Intensity(FacialActions.Au26)) + (Max * talk), 0f, Max));
        Expression.Set(FacialActions.Au25, Math.Clamp(MathF.Max(Expression.Intensity(FacialActions.Au25), 2.5f * talk), 0f, Max));
        Drift(ref Expression, FacialActions.Au12, rng.Symmetric(1.5f) * t);
        var brows = rng.Symmetric(2f) * t;
        Drift(ref Expression, FacialActions.Au1, brows);
        Drift(ref Expression, FacialActions.Au2, brows);
        var blink = rng.Chance(0.35f) ? rng.NextInt(profile.ClipLength) : -1;
        var distance = Math.Abs(frame - blink);
        if (blink >= 0 && distance <= 1)
        {
            var closed = distance == 0 ? 1f : 0.55f;
            Expression.LeftEyeClosure = MathF.Max(Expression.LeftEyeClosure, closed);
            Expression.RightEyeClosure = MathF.Max(Expression.RightEyeClosure, closed);
        }
    }

    private static void Drift(ref Expression e, int unit, float change)
    {
        e.ImageLeft[unit] = Math.Clamp(e.ImageLeft[unit] + change, 0f, SynthFaceLabels.MaxIntensity);
        e.ImageRight[unit] = Math.Clamp(e.ImageRight[unit] + change, 0f, SynthFaceLabels.MaxIntensity);
    }
}

internal static class Colours
{
    /// <summary>A random colour drawn in HSV: any hue, muted to moderate saturation, not too dark or bright.</summary>
    public static Vector3 Random(ref SynthRandom rng)
    {
        var h = rng.NextFloat();
        var s = rng.Range(0f, 0.7f);
        var v = rng.Range(0.15f, 0.95f);
        return FromHsv(h, s, v);
    }

    public static Vector3 FromHsv(float h, float s, float v)
    {
        var k = new Vector3(5f, 3f, 1f) + new Vector3(h * 6f);
        var r = Channel(k.X);
        var g = Channel(k.Y);
        var b = Channel(k.Z);
        return new Vector3(v - (v * s * r), v - (v * s * g), v - (v * s * b));

        static float Channel(float k)
        {
            var m = k % 6f;
            return Math.Clamp(MathF.Min(m, 4f - m), 0f, 1f);
        }
    }
}
