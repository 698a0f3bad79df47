using System.Reflection;

namespace FaceRep.Cli;

/// <summary>The built-in sweep specs that <c>facerep demo --profile NAME</c> runs.</summary>
public static class Profiles
{
    private const string Prefix = "FaceRep.Cli.Profiles.";

    /// <summary>Names of the built-in profiles.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(Profiles).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^".yaml".Length])
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>The spec text of a profile, or null when there is no such profile.</summary>
    public static string? Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"{Prefix}{name}.yaml");
        if (stream is null)
            return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
