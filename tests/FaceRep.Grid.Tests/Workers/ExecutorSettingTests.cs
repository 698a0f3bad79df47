using FaceRep.Grid.Workers;

namespace FaceRep.Grid.Tests.Workers;

public sealed class ExecutorSettingTests
{
    [Theory]
    [InlineData("torch", "torch", 0)]
    [InlineData("noop", "noop", 0)]
    [InlineData("sleep:200ms", "sleep", 200)]
    [InlineData("sleep:1.5s", "sleep", 1500)]
    [InlineData(" SLEEP:2S ", "sleep", 2000)]
    public void Accepted_values_name_the_trainer_and_its_duration(string text, string kind, int milliseconds)
    {
        var setting = ExecutorSetting.Parse(text, out var error);

        Assert.Null(error);
        Assert.NotNull(setting);
        Assert.Equal(kind, setting.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), setting.SleepDuration);
    }

    [Theory]
    [InlineData("gpu", "is not a trainer")]
    [InlineData("", "is not a trainer")]
    [InlineData("sleep:", "no duration")]
    [InlineData("sleep:200", "no duration")]
    [InlineData("sleep:0ms", "no duration")]
    [InlineData("sleep:-1s", "no duration")]
    [InlineData("sleep:2h", "no duration")]
    [InlineData("sleep:3601s", "no duration")]
    public void Other_values_are_refused_with_what_to_write(string text, string why)
    {
        var setting = ExecutorSetting.Parse(text, out var error);

        Assert.Null(setting);
        Assert.NotNull(error);
        Assert.Contains(why, error, StringComparison.Ordinal);
        Assert.Contains("200ms", error, StringComparison.Ordinal);
    }
}
