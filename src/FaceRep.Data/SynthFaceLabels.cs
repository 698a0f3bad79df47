namespace FaceRep.Data;

/// <summary>
/// What the expression labels of SynthFace samples mean: the action units (in the order of
/// <see cref="FaceSample.ActionUnits"/>), the eight emotion classes (in the order of
/// <see cref="FaceSample.Emotion"/>) and the intensity scale.
/// </summary>
public static class SynthFaceLabels
{
    /// <summary>Largest action-unit intensity (FACS level E); 0 is absent, 1 trace (A) … 5 maximum (E).</summary>
    public const float MaxIntensity = 5f;

    /// <summary>Emotion label of a neutral face.</summary>
    public const int Neutral = 0;

    /// <summary>Emotion label: happiness.</summary>
    public const int Happy = 1;

    /// <summary>Emotion label: sadness.</summary>
    public const int Sad = 2;

    /// <summary>Emotion label: surprise.</summary>
    public const int Surprise = 3;

    /// <summary>Emotion label: fear.</summary>
    public const int Fear = 4;

    /// <summary>Emotion label: disgust.</summary>
    public const int Disgust = 5;

    /// <summary>Emotion label: anger.</summary>
    public const int Anger = 6;

    /// <summary>Emotion label: contempt.</summary>
    public const int Contempt = 7;

    /// <summary>
    /// The FACS action units every sample is labelled with, in label order: DISFA's twelve
    /// (1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26) together with the FERA 2015 (BP4D) intensity units
    /// (6, 10, 12, 14, 17) and the lid tightener and lip tightener that anger needs (7, 23).
    /// </summary>
    public static IReadOnlyList<int> ActionUnits { get; } = Array.AsReadOnly([1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26]);

    /// <summary>The FACS names of <see cref="ActionUnits"/>, in the same order.</summary>
    public static IReadOnlyList<string> ActionUnitNames { get; } = Array.AsReadOnly(
    [
        "inner brow raiser",
        "outer brow raiser",
        "brow lowerer",
        "upper lid raiser",
        "cheek raiser",
        "lid tightener",
        "nose wrinkler",
        "upper lip raiser",
        "lip corner puller",
        "dimpler",
        "lip corner depressor",
        "chin raiser",
        "lip stretcher",
        "lip tightener",
        "lips part",
        "jaw drop",
    ]);

    /// <summary>The emotion classes in AffectNet's order: the label is the index.</summary>
    public static IReadOnlyList<string> Emotions { get; } = Array.AsReadOnly(["neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt"]);

    /// <summary>
    /// The action units (FACS numbers) each emotion is built from, indexed by emotion label: happy 6+12,
    /// sad 1+4+15+17, surprise 1+2+5+25+26, fear 1+2+4+5+20+25+26, disgust 9+10+15+17, anger 4+5+7+17+23,
    /// contempt 12+14 on one side of the face only, neutral none. Each image scales its prototype by an
    /// intensity; half the happy faces also part the lips (25), and other units appear at trace levels.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> EmotionPrototypes { get; } = Array.AsReadOnly<IReadOnlyList<int>>(
    [
        Array.AsReadOnly(Array.Empty<int>()),
        Array.AsReadOnly([6, 12]),
        Array.AsReadOnly([1, 4, 15, 17]),
        Array.AsReadOnly([1, 2, 5, 25, 26]),
        Array.AsReadOnly([1, 2, 4, 5, 20, 25, 26]),
        Array.AsReadOnly([9, 10, 15, 17]),
        Array.AsReadOnly([4, 5, 7, 17, 23]),
        Array.AsReadOnly([12, 14]),
    ]);

    /// <summary>Position of FACS action unit <paramref name="actionUnit"/> in <see cref="ActionUnits"/>, or −1 if it is not labelled.</summary>
    public static int IndexOf(int actionUnit)
    {
        for (var i = 0; i < ActionUnits.Count; i++)
        {
            if (ActionUnits[i] == actionUnit)
            {
                return i;
            }
        }

        return -1;
    }
}
