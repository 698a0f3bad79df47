using System.Globalization;
using FaceRep.Core.Experiments;

namespace FaceRep.Training.Methods;

/// <summary>
/// Reads a method's options with their defaults and ranges, collecting every problem (unknown
/// names, wrong types, values out of range) so a spec's author sees them all at once.
/// </summary>
public sealed class OptionReader(PretrainConfig config)
{
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];

    /// <summary>The problems found so far.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The configuration being read.</summary>
    public PretrainConfig Config => config;

    /// <summary>Records a problem not tied to one option.</summary>
    public void Problem(string message) => _problems.Add(message);

    /// <summary>A number in [min, max] (or (min, max] when <paramref name="exclusiveMin"/>).</summary>
    public double Number(string name, double fallback, double min, double max, bool exclusiveMin = false)
    {
        _known.Add(name);
        if (!config.Settings.TryGet(name, out var text))
            return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Fail(name, text, "is not a number");
            return fallback;
        }

        if (value < min || value > max || (exclusiveMin && value == min))
        {
            Fail(name, text, $"is out of range; expected {(exclusiveMin ? "more than" : "at least")} {Format(min)} and at most {Format(max)}");
            return fallback;
        }

        return value;
    }

    /// <summary>An integer in [min, max].</summary>
    public int Integer(string name, int fallback, int min, int max)
    {
        _known.Add(name);
        if (!config.Settings.TryGet(name, out var text))
            return fallback;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Fail(name, text, "is not an integer");
            return fallback;
        }

        if (value < min || value > max)
        {
            Fail(name, text, $"is out of range; expected {min} to {max}");
            return fallback;
        }

        return value;
    }

    /// <summary>One of <paramref name="allowed"/>.</summary>
    public string Choice(string name, string fallback, params string[] allowed)
    {
        _known.Add(name);
        if (!config.Settings.TryGet(name, out var text))
            return fallback;
        if (allowed.Contains(text, StringComparer.Ordinal))
            return text;
        Fail(name, text, $"is not one of {string.Join(", ", allowed)}");
        return fallback;
    }

    /// <summary>true or false.</summary>
    public bool Flag(string name, bool fallback) => Choice(name, fallback ? "true" : "false", "true", "false") == "true";

    /// <summary>Free text (a path, for instance), or null when absent.</summary>
    public string? Text(string name)
    {
        _known.Add(name);
        return config.Settings.TryGet(name, out var text) ? text : null;
    }

    /// <summary>Adds a problem for every option no reader asked for, listing the ones the method knows.</summary>
    public IReadOnlyList<string> Finish()
    {
        foreach (var name in config.Settings.Names.Where(n => !_known.Contains(n)))
        {
            _problems.Add(_known.Count == 0
                ? $"{config.Method} takes no options; got '{name}'"
                : $"{config.Method} has no option '{name}'; its options are {string.Join(", ", _known.Order(StringComparer.Ordinal))}");
        }

        return _problems;
    }

    private void Fail(string name, string text, string why) => _problems.Add($"{config.Method} option {name}: '{Clip(text)}' {why}");

    private static string Clip(string text) => text.Length <= 60 ? text : text[..57] + "...";

    private static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}
