namespace FaceRep.Cli.Tests;

public sealed class EveryTests
{
    private static readonly DateTime Start = new(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Wakes_that_fall_irregularly_fire_once_per_period_neither_twice_nor_never()
    {
        // Wakes 1.3 s apart, as a watch loop's are when each status read takes 0.3 s. The rule
        // this replaces (elapsed seconds mod 60 below 1) fired in some minutes and not in others.
        var every = new Every(TimeSpan.FromMinutes(1), Start);
        var fired = new List<double>();

        for (var t = 0.0; t < 600; t += 1.3)
        {
            if (every.Due(Start.AddSeconds(t)))
                fired.Add(t);
        }

        Assert.Equal(9, fired.Count);
        Assert.All(fired.Select((t, i) => (t, i)), f => Assert.InRange(f.t, 60 * (f.i + 1), (60 * (f.i + 1)) + 1.3));
    }

    [Fact]
    public void A_long_pause_fires_once_not_once_per_missed_period()
    {
        var every = new Every(TimeSpan.FromMinutes(1), Start);

        Assert.True(every.Due(Start.AddMinutes(5.5)));
        Assert.False(every.Due(Start.AddMinutes(5.9)));
        Assert.True(every.Due(Start.AddMinutes(6.0)));
    }
}
