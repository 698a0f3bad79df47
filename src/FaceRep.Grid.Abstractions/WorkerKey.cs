using System.Diagnostics.CodeAnalysis;

namespace FaceRep.Grid.Abstractions;

/// <summary>
/// A worker grain's key, <c>{silo}/{device}</c>: the silo as Orleans writes a silo address
/// (<c>127.0.0.1:11111@123456</c>, no slash) and the device's name (<c>cpu0</c>, <c>cuda1</c>).
/// The one place that key is written and read.
/// </summary>
/// <param name="Silo">The silo's address, as <c>SiloAddress.ToParsableString</c> writes it.</param>
/// <param name="Device">The device's name on that silo.</param>
public readonly record struct WorkerKey(string Silo, string Device)
{
    /// <summary>Reads a key; false unless it is a non-empty silo, one slash and a non-empty device.</summary>
    public static bool TryParse(string? key, out WorkerKey parsed)
    {
        parsed = default;
        var slash = key?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (key is null || slash <= 0 || slash == key.Length - 1 || key.IndexOf('/', slash + 1) >= 0)
            return false;
        parsed = new WorkerKey(key[..slash], key[(slash + 1)..]);
        return true;
    }

    /// <summary>Reads a key, or throws naming it.</summary>
    public static WorkerKey Parse(string key) =>
        TryParse(key, out var parsed) ? parsed : throw new FormatException($"'{key}' is not a worker key of the form {{silo}}/{{device}}");

    /// <summary>The silo of a worker key, or null if it is not one.</summary>
    public static string? SiloOf([NotNullWhen(true)] string? key) => TryParse(key, out var parsed) ? parsed.Silo : null;

    /// <summary>True when <paramref name="key"/> is a worker of <paramref name="silo"/>.</summary>
    public static bool IsOn(string key, string silo) => TryParse(key, out var parsed) && parsed.Silo == silo;

    /// <inheritdoc />
    public override string ToString() => $"{Silo}/{Device}";
}
