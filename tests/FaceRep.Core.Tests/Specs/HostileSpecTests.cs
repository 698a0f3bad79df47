using FaceRep.Core.Specs;

namespace FaceRep.Core.Tests.Specs;

/// <summary>The parser against the generated corpus of malformed and hostile specs (<see cref="HostileSpecs"/>).</summary>
public sealed class HostileSpecTests
{
    /// <summary>Long enough for the biggest spec on a loaded machine; a hang or runaway expansion takes far longer.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Names => new(HostileSpecs.All.Select(s => s.Name));

    [Fact]
    public void The_corpus_holds_at_least_200_distinct_specs()
    {
        Assert.True(HostileSpecs.All.Count >= 200, $"{HostileSpecs.All.Count} specs");
        Assert.Equal(HostileSpecs.All.Count, HostileSpecs.All.Select(s => s.Text).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_hostile_spec_is_refused_promptly_with_an_error_that_names_what_is_wrong(string name)
    {
        // Arrange
        var spec = HostileSpecs.All.Single(s => s.Name == name);

        // Act: on a thread of its own, so a hang shows as a timeout and not as a stuck run.
        var parse = Task.Factory.StartNew(() => new SweepSpecParser().Parse(spec.Text, "hostile.yaml"), TaskCreationOptions.LongRunning);
        var first = await Task.WhenAny(parse, Task.Delay(Budget));

        // Assert
        Assert.True(first == parse, $"parsing did not end within {Budget.TotalSeconds} s");
        var e = await Assert.ThrowsAsync<SpecException>(() => parse);
        Assert.NotEmpty(e.Errors);
        Assert.All(e.Errors, error => Assert.Equal("hostile.yaml", error.File));
        Assert.All(e.Errors, error => Assert.False(string.IsNullOrWhiteSpace(error.Message)));
        Assert.Contains(spec.Expected, e.Message, StringComparison.Ordinal);
        // Values are quoted clipped: a huge value does not become a huge error.
        Assert.True(e.Message.Length < 4_000, $"the error is {e.Message.Length} characters long");
    }
}
