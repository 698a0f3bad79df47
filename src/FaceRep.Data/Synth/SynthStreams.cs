namespace FaceRep.Data.Synth;

/// <summary>
/// Keys that separate sample streams: two datasets with the same seed but different streams never share a
/// scene or an identity. Purposes separate the independent draws made for one sample.
/// </summary>
internal static class SynthStreams
{
    public const ulong Curated = 0x43555241544544UL;
    public const ulong Uncurated = 0x554E435552415445UL;
    public const ulong Video = 0x564944454FUL;
    public const ulong LandmarkTrain = 0x4C4D4B5452414E55UL;
    public const ulong LandmarkTest = 0x4C4D4B5445535455UL;
    public const ulong FewShot = 0x46455753484F54UL;

    public const ulong Identity = 1;
    public const ulong Scene = 2;
    public const ulong Background = 3;
    public const ulong Frame = 4;
    public const ulong Effects = 5;
    public const ulong Emotion = 6;

    /// <summary>The stream of one split of a named task (FNV-1a of "task/split"): distinct from every constant above.</summary>
    public static ulong ForTask(string task, string split) => Fnv($"task/{task}/{split}");

    private static ulong Fnv(string text)
    {
        var h = 0xCBF29CE484222325UL;
        foreach (var c in text)
        {
            h = (h ^ c) * 0x100000001B3UL;
        }

        return h;
    }

    public static ulong For(SynthFlavour flavour) => flavour switch
    {
        SynthFlavour.Curated => Curated,
        SynthFlavour.Uncurated => Uncurated,
        SynthFlavour.Video => Video,
        _ => throw new ArgumentOutOfRangeException(nameof(flavour), flavour, $"Flavour {flavour} is not a known SynthFace flavour."),
    };
}
