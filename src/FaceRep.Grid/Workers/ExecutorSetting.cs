using System.Globalization;

namespace FaceRep.Grid.Workers;

/// <summary>
/// Which trainer a silo runs jobs with: <c>torch</c> (the real one), <c>sleep:DURATION</c>
/// (<see cref="SleepJobExecutor"/>: no training, each job takes DURATION, such as <c>200ms</c>
/// or <c>2s</c>), for exercising a cluster's scheduling and failover without TorchSharp, or
/// <c>noop</c> (<see cref="NoopJobExecutor"/>: returns at once), for measuring the grid's own cost per job.
/// <c>sleep:DURATION:MEMORY</c> (<c>sleep:2s:512MB</c>) also holds that much memory during each
/// job, for trying a silo's memory budget.
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
    public const string Accepted = "torch, noop or sleep:DURATION[:MEMORY] (sleep:200ms, sleep:2s, sleep:2s:512MB)";

    /// <summary>The most memory a sleep job may hold.</summary>
    public const long MaxSleepMemory = 64L << 30;

    /// <summary>Memory each sleep job holds (resident) while it runs; zero for none.</summary>
    public long SleepMemoryBytes { get; init; }

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
            var parts = value["sleep:".Length..].Split(':');
            var duration = ParseDuration(parts[0]);
            if (duration is not { } d || d <= TimeSpan.Zero || d > MaxSleep || parts.Length > 2)
            {
                error = $"'{text}' has no duration between 1ms and {MaxSleep.TotalHours:0} h after 'sleep:'; write it as 200ms or 2s (and, to hold memory, :512MB)";
                return null;
            }

            var memory = parts.Length == 2 ? ParseSize(parts[1]) : 0;
            if (memory is not { } bytes || bytes < 0 || bytes > MaxSleepMemory)
            {
                error = $"'{text}' has no memory size up to 64GB after the duration; write it as 512MB or 2GB";
                return null;
            }

            return new ExecutorSetting("sleep", d) { SleepMemoryBytes = bytes };
        }

        error = $"'{text}' is not a trainer; use {Accepted}";
        return null;
    }

    private static long? ParseSize(string text)
    {
        var (number, scale) = text.EndsWith("GB", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 1L << 30)
            : text.EndsWith("MB", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 1L << 20)
            : ("", 0L);
        return scale > 0 && double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value > 0
            ? (long)(value * scale)
            : null;
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
