using System.Collections;
using System.Globalization;

namespace FaceRep.Core.Experiments;

/// <summary>
/// A pre-training method's own settings (SwAV's prototypes, MoCo's queue, …) as name → value
/// text, kept sorted by name so they have one canonical form and compare by value. Core only
/// carries them; each method checks its own names and ranges.
/// </summary>
public sealed class MethodOptions : IEquatable<MethodOptions>, IReadOnlyCollection<KeyValuePair<string, string>>
{
    private readonly SortedDictionary<string, string> _values;

    /// <summary>Options with the given values.</summary>
    public MethodOptions(IEnumerable<KeyValuePair<string, string>> values)
    {
        _values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            if (!_values.TryAdd(key, value))
                throw new ArgumentException($"option '{key}' is given twice", nameof(values));
        }
    }

    /// <summary>No options: every setting at its method's default.</summary>
    public static MethodOptions Empty { get; } = new([]);

    /// <inheritdoc />
    public int Count => _values.Count;

    /// <summary>The option names, sorted.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <summary>The value text of an option, if given.</summary>
    public bool TryGet(string name, out string value) => _values.TryGetValue(name, out value!);

    /// <summary>A number option, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="FormatException">The value is not a number.</exception>
    public double Number(string name, double fallback) =>
        !_values.TryGetValue(name, out var text) ? fallback
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value
        : throw new FormatException($"option '{name}' is '{text}', not a number");

    /// <summary>An integer option, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="FormatException">The value is not an integer.</exception>
    public int Integer(string name, int fallback) =>
        !_values.TryGetValue(name, out var text) ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new FormatException($"option '{name}' is '{text}', not an integer");

    /// <summary>A text option, or <paramref name="fallback"/> when absent.</summary>
    public string Text(string name, string fallback) => _values.TryGetValue(name, out var text) ? text : fallback;

    /// <inheritdoc />
    public bool Equals(MethodOptions? other) =>
        other is not null && other._values.Count == _values.Count && _values.All(kv => other._values.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as MethodOptions);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (key, value) in _values)
        {
            hash.Add(key, StringComparer.Ordinal);
            hash.Add(value, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", _values.Select(kv => $"{kv.Key}={kv.Value}"));
}
