using System.Globalization;

namespace FaceRep.Grid.Workers;

/// <summary>
/// Which trainer a silo runs jobs with: <c>torch</c> (the real one), <c>sleep:DURATION</c>
/// (<see cref="SleepJobExecutor"/>: no training, each job takes DURATION, such as <c>200ms</c>
/// or <c>2s</c>), for exercising a cluster's scheduling and failover without TorchSharp, or
/// <c>noop</c> (<see cref="NoopJobExecutor"/>: returns at once), for measuring the grid's own cost per job.
/// </summary>
/// <param name="Kind"><c>torch</c>, <c>sleep</c> or <c>noop</c>.</param>
/// <param name="SleepDuration">How long a sleep job takes; zero for torch.</param>
public sealed record ExecutorSetting(string Kind, TimeSpan SleepDuration)
{
    /// <summary>The longest sleep accepted: longer is surely a typo.</summary>
    public static readonly TimeSpan MaxSleep = TimeSpan.FromHours(1);

    /// <summary>The TorchSharp trainer.</summary>
    public static ExecutorSetting Torch { get; } = new("torch", TimeSpan.Zero);

    /// <summary>What the setting accepts, for error messages.</summary>
    public const string Accepted = "torch, noop or sleep:DURATION (sleep:200ms, sleep:2s)";

    /// <summary>The trainer that returns at once.</summary>
    public static ExecutorSetting Noop { get; } = new("noop", TimeSpan.Zero);

    /// <summary>True for the sleep trainer.</summary>
    public bool IsSleep => Kind == "sleep";

    /// <summary>True for the no-op trainer.</summary>
    public bool IsNoop => Kind == "noop";

    /// <summary>Parses <c>torch</c>, <c>noop</c>, <c>sleep:200ms</c> or <c>sleep:1.5s</c>; null with <paramref name="error"/> otherwise.</summary>
    public static ExecutorSetting? Parse(string? text, out string? error)
    {
        error = null;
        var value = text?.Trim() ?? "";
        if (value.Equals("torch", StringComparison.OrdinalIgnoreCase))
            return Torch;
        if (value.Equals("noop", StringComparison.OrdinalIgnoreCase))
            return Noop;
        if (value.StartsWith("sleep:", StringComparison.OrdinalIgnoreCase))
        {
            var duration = ParseDuration(value["sleep:".Length..]);
            if (duration is { } d && d > TimeSpan.Zero && d <= MaxSleep)
                return new ExecutorSetting("sleep", d);
            error = $"'{text}' has no duration between 1ms and {MaxSleep.TotalHours:0} h after 'sleep:'; write it as 200ms or 2s";
            return null;
        }

        error = $"'{text}' is not a trainer; use {Accepted}";
        return null;
    }

    private static TimeSpan? ParseDuration(string text)
    {
        var (number, scale) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 1.0)
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1000.0)
            : ("", 0.0);
        if (scale == 0 || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            return null;
        var ms = value * scale;
        return ms is >= 1 and <= 3_600_000 ? TimeSpan.FromMilliseconds(ms) : null;
    }
}
