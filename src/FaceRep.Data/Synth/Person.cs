using System.Numerics;

namespace FaceRep.Data.Synth;

/// <summary>Everything fixed for one identity: face shape and appearance.</summary>
internal struct Person
{
    public FaceShape Shape;
    public Vector3 Skin;
    public Vector3 Hair;
    public Vector3 Brow;
    public Vector3 Lip;
    public Vector3 Iris;
    public Vector3 Beard;

    /// <summary>Opacity of the beard; 0 for none.</summary>
    public float BeardAlpha;

    /// <summary>Head-space y of the hairline on the forehead; at the crown for a bald head.</summary>
    public float Hairline;

    /// <summary>Head-space y down to which the hair falls behind the head.</summary>
    public float HairEnd;

    /// <summary>How far the hair stands off the skull (1 = flat).</summary>
    public float HairVolume;

    public bool Bald;

    /// <summary>Brow thickness in head units.</summary>
    public float BrowThickness;

    public static Person Draw(ref SynthRandom rng)
    {
        var person = new Person { Shape = FaceShape.Draw(ref rng) };

        var tone = rng.NextFloat();
        person.Skin = Vector3.Lerp(new Vector3(0.97f, 0.82f, 0.72f), new Vector3(0.32f, 0.21f, 0.15f), tone)
            + new Vector3(rng.Symmetric(0.03f), rng.Symmetric(0.025f), rng.Symmetric(0.025f));

        person.Hair = HairColour(ref rng);
        person.Brow = Vector3.Lerp(person.Hair, new Vector3(0.06f, 0.05f, 0.04f), rng.Range(0.3f, 0.6f));
        person.Lip = Vector3.Lerp(person.Skin, new Vector3(0.62f, 0.2f, 0.24f), rng.Range(0.3f, 0.55f)) * rng.Range(0.78f, 0.92f);
        person.Iris = IrisColour(ref rng);

        person.Bald = rng.Chance(0.07f);
        person.Hairline = person.Bald ? -1.5f : rng.Range(-1.1f, -0.62f);
        var style = rng.NextFloat();
        person.HairEnd = style < 0.45f ? rng.Range(-0.1f, 0.4f) : style < 0.75f ? rng.Range(0.7f, 1.2f) : rng.Range(1.8f, 2.8f);
        person.HairVolume = rng.Range(1.0f, 1.12f);
        person.BrowThickness = rng.Range(0.07f, 0.13f);

        var bearded = rng.Chance(0.15f);
        person.BeardAlpha = bearded ? rng.Range(0.3f, 0.8f) : 0f;
        person.Beard = Vector3.Lerp(person.Hair, person.Brow, 0.5f) * 0.85f;
        return person;
    }

    private static Vector3 HairColour(ref SynthRandom rng)
    {
        var u = rng.NextFloat();
        var baseColour = u switch
        {
            < 0.3f => new Vector3(0.06f, 0.05f, 0.05f),
            < 0.55f => new Vector3(0.2f, 0.13f, 0.08f),
            < 0.7f => new Vector3(0.4f, 0.26f, 0.15f),
            < 0.82f => new Vector3(0.8f, 0.66f, 0.4f),
            < 0.87f => new Vector3(0.55f, 0.22f, 0.1f),
            < 0.95f => new Vector3(0.6f, 0.6f, 0.6f),
            _ => new Vector3(0.85f, 0.84f, 0.82f),
        };
        var jitter = rng.Range(0.8f, 1.15f);
        return Vector3.Clamp(baseColour * jitter, Vector3.Zero, Vector3.One);
    }

    private static Vector3 IrisColour(ref SynthRandom rng)
    {
        var u = rng.NextFloat();
        return u switch
        {
            < 0.35f => new Vector3(0.3f, 0.17f, 0.08f),
            < 0.6f => new Vector3(0.13f, 0.08f, 0.05f),
            < 0.75f => new Vector3(0.3f, 0.45f, 0.65f),
            < 0.85f => new Vector3(0.3f, 0.45f, 0.3f),
            _ => new Vector3(0.45f, 0.35f, 0.18f),
        };
    }
}
