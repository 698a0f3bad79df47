namespace FaceRep.Data;

/// <summary>The kind of face collection a SynthFace dataset imitates.</summary>
public enum SynthFlavour
{
    /// <summary>Near-frontal, centred, clean images labelled with identities (VGGFace2-like).</summary>
    Curated,

    /// <summary>Wide pose, off-centre crops, occlusion, noise and non-face distractors, unlabelled (in-the-wild).</summary>
    Uncurated,

    /// <summary>Clips of 16 consecutive, highly redundant frames, one identity per clip (VoxCeleb-like).</summary>
    Video,
}
