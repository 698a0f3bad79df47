using FaceRep.Data.Synth;

namespace FaceRep.Data;

/// <summary>
/// Procedurally rendered faces with exact landmarks and identities. Random access, nothing cached:
/// each sample is rendered from a generator seeded by the options and its index alone.
/// </summary>
public sealed class SynthFaceDataset : IFaceDataset
{
    /// <summary>Smallest supported image size.</summary>
    public const int MinResolution = 16;

    /// <summary>Largest supported image size.</summary>
    public const int MaxResolution = 512;

    private readonly SynthProfile _profile;
    private readonly SynthSource _source;

    /// <summary>Creates a dataset rendering the flavour's usual variation.</summary>
    public SynthFaceDataset(string name, SynthFaceOptions options)
        : this(name, Validated(options), SynthProfile.For(options.Flavour), SynthSource.Of(SynthStreams.For(options.Flavour)))
    {
    }

    internal SynthFaceDataset(string name, SynthFaceOptions options, SynthProfile profile, SynthSource source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Validated(options);
        Name = name;
        Options = options;
        _profile = profile;
        _source = source;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The options the content depends on.</summary>
    public SynthFaceOptions Options { get; }

    /// <inheritdoc />
    public int Count => Options.Count;

    /// <inheritdoc />
    public int Resolution => Options.Resolution;

    /// <inheritdoc />
    public FaceSample Get(int index)
    {
        if ((uint)index >= (uint)Options.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index must be in [0, {Options.Count}) for dataset '{Name}'.");
        }

        return FaceRenderer.Render(Options, _profile, _source, index);
    }

    /// <summary>The identity of sample <paramref name="index"/> (−1 for none), as <see cref="Get"/> gives it, without rendering it.</summary>
    public int IdentityOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Options.Count);
        return FaceRenderer.IdentityOf(Options, _profile, _source, index);
    }

    private static SynthFaceOptions Validated(SynthFaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(options.Flavour))
        {
            throw new ArgumentOutOfRangeException(nameof(SynthFaceOptions.Flavour), options.Flavour, $"Flavour {options.Flavour} is not a known SynthFace flavour.");
        }

        if (options.Count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SynthFaceOptions.Count), options.Count, $"Count must be at least 1 (was {options.Count}).");
        }

        if (options.Resolution is < MinResolution or > MaxResolution)
        {
            throw new ArgumentOutOfRangeException(
                nameof(SynthFaceOptions.Resolution),
                options.Resolution,
                $"Resolution must be in [{MinResolution}, {MaxResolution}] (was {options.Resolution}).");
        }

        if (options.Identities < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SynthFaceOptions.Identities), options.Identities, $"Identities must be at least 1 (was {options.Identities}).");
        }

        return options;
    }
}
