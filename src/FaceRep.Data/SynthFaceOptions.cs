namespace FaceRep.Data;

/// <summary>Everything a SynthFace dataset's content depends on.</summary>
/// <param name="Flavour">Which kind of collection to imitate.</param>
/// <param name="Count">Number of samples (at least 1).</param>
/// <param name="Resolution">Image width and height in pixels, 16 to 512.</param>
/// <param name="Seed">Selects the synthetic world: identities, scenes and clips.</param>
/// <param name="Identities">Number of identities labelled samples are spread over (at least 1); uncurated samples are all strangers.</param>
public sealed record SynthFaceOptions(SynthFlavour Flavour, int Count, int Resolution = 64, int Seed = 0, int Identities = 100);
