namespace FaceRep.Data.Synth;

/// <summary>
/// SplitMix64: a tiny counter-based generator. Its output is fixed by its definition (unlike
/// System.Random's), so rendered samples stay bit-identical across runtimes, runs and threads.
/// </summary>
internal struct SynthRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    public SynthRandom(ulong seed) => _state = seed;

    /// <summary>The generator for one (seed, stream, purpose, index) cell, independent of every other cell.</summary>
    public static SynthRandom For(int seed, ulong stream, ulong purpose, long index)
    {
        var h = Mix((uint)seed + Golden);
        h = Mix(h ^ stream);
        h = Mix(h ^ purpose);
        h = Mix(h ^ (ulong)index);
        return new SynthRandom(h);
    }

    /// <summary>SplitMix64's finaliser: a bijective 64-bit mix.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        _state += Golden;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public float NextFloat() => (NextULong() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform integer in [0, bound).</summary>
    public int NextInt(int bound) => (int)(((NextULong() >> 32) * (ulong)(uint)bound) >> 32);

    /// <summary>Uniform in [lo, hi).</summary>
    public float Range(float lo, float hi) => lo + ((hi - lo) * NextFloat());

    /// <summary>Uniform in [−amplitude, amplitude).</summary>
    public float Symmetric(float amplitude) => amplitude * ((2f * NextFloat()) - 1f);

    /// <summary>Triangular on [−amplitude, amplitude], peaked at zero.</summary>
    public float Triangular(float amplitude) => amplitude * (NextFloat() - NextFloat());

    public bool Chance(float probability) => NextFloat() < probability;

    /// <summary>Standard normal (Box–Muller), clipped to ±limit.</summary>
    public float Normal(float limit = 2.5f)
    {
        var u1 = 1f - NextFloat();
        var u2 = NextFloat();
        var z = MathF.Sqrt(-2f * MathF.Log(u1)) * MathF.Cos(2f * MathF.PI * u2);
        return Math.Clamp(z, -limit, limit);
    }
}
