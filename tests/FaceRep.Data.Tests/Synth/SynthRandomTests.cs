using FaceRep.Data.Synth;

namespace FaceRep.Data.Tests.Synth;

public sealed class SynthRandomTests
{
    [Fact]
    public void The_generator_reproduces_the_reference_SplitMix64_sequence()
    {
        // Vigna's splitmix64.c seeded with 1234567.
        ulong[] reference = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        var rng = new SynthRandom(1234567);

        var actual = reference.Select(_ => rng.NextULong()).ToArray();

        Assert.Equal(reference, actual);
    }

    [Fact]
    public void Uniform_draws_stay_in_their_ranges()
    {
        var rng = new SynthRandom(5);

        for (var i = 0; i < 10_000; i++)
        {
            Assert.InRange(rng.NextFloat(), 0f, 0.99999995f);
            Assert.InRange(rng.NextInt(7), 0, 6);
            Assert.InRange(rng.Range(-2f, 3f), -2f, 3f);
            Assert.InRange(rng.Normal(), -2.5f, 2.5f);
        }
    }

    [Fact]
    public void Neighbouring_cells_start_unrelated_sequences()
    {
        var firsts = new HashSet<ulong>();

        for (var seed = 0; seed < 4; seed++)
        {
            for (ulong purpose = 1; purpose <= 4; purpose++)
            {
                for (var index = 0; index < 50; index++)
                {
                    firsts.Add(SynthRandom.For(seed, SynthStreams.Curated, purpose, index).NextULong());
                }
            }
        }

        Assert.Equal(4 * 4 * 50, firsts.Count);
    }

    [Fact]
    public void The_same_cell_always_gives_the_same_sequence()
    {
        var a = SynthRandom.For(3, SynthStreams.Video, SynthStreams.Scene, 12);
        var b = SynthRandom.For(3, SynthStreams.Video, SynthStreams.Scene, 12);

        Assert.Equal(Enumerable.Range(0, 5).Select(_ => a.NextULong()), Enumerable.Range(0, 5).Select(_ => b.NextULong()));
    }
}
