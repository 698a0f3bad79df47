namespace FaceRep.Core.Paths;

/// <summary>
/// Directories a path named in a spec must stay inside. A path is resolved as the operating
/// system would open it: relative to the first root, <c>..</c> collapsed, and every symbolic link
/// along it followed; what it finally names must be under one of the roots (themselves resolved
/// the same way). So <c>../../etc/passwd</c>, an absolute path elsewhere, and a link inside a
/// root that points outside it are all refused.
/// </summary>
public sealed class PathRoots
{
    private readonly List<string> _roots;

    /// <summary>Creates the set; <paramref name="roots"/> may be relative to the current directory.</summary>
    public PathRoots(IEnumerable<string> roots)
    {
        _roots = roots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => Real(Path.GetFullPath(r))).Distinct(StringComparer.Ordinal).ToList();
        if (_roots.Count == 0)
            throw new ArgumentException("at least one root directory is needed", nameof(roots));
    }

    /// <summary>The roots, resolved.</summary>
    public IReadOnlyList<string> Roots => _roots;

    /// <summary>Roots from a setting's text: directories separated by commas or semicolons.</summary>
    public static PathRoots Parse(string text) => new(text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>
    /// The resolved path when it lies inside a root; otherwise null and why, naming the path and
    /// the roots. Open the path returned, not the one given: it is the one that was checked
    /// (<c>..</c> is collapsed before links are followed, so <c>link/..</c> means the root, not the
    /// link target's parent).
    /// </summary>
    public string? Resolve(string path, out string problem)
    {
        problem = "";
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            problem = "the path is empty or holds a NUL character";
            return null;
        }

        string full, real;
        try
        {
            full = Path.GetFullPath(path, _roots[0]);
            real = Real(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = $"'{path}' cannot be resolved: {e.Message}";
            return null;
        }

        if (_roots.Any(root => IsUnder(real, root)))
            return real;
        problem = real == full
            ? $"'{path}' is outside the allowed directories ({string.Join(", ", _roots)})"
            : $"'{path}' leads to {real} (through a symbolic link), outside the allowed directories ({string.Join(", ", _roots)})";
        return null;
    }

    private static bool IsUnder(string path, string root) =>
        path == root || path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// The path with every symbolic link along it followed (as far as it exists; the rest is kept
    /// as written, already free of <c>..</c>).
    /// </summary>
    private static string Real(string full)
    {
        var root = Path.GetPathRoot(full) ?? "/";
        var parts = new Queue<string>(full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries));
        var current = root;
        var hops = 0;
        while (parts.Count > 0)
        {
            var next = Path.Combine(current, parts.Dequeue());
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is { } target)
            {
                if (++hops > 40)
                    throw new IOException($"too many levels of symbolic links at {next}");
                // Follow the link, then go on with what was left after it.
                var resolved = Path.GetFullPath(target, current);
                var rest = parts.ToList();
                var resolvedRoot = Path.GetPathRoot(resolved) ?? "/";
                parts = new Queue<string>(resolved[resolvedRoot.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Concat(rest));
                current = resolvedRoot;
                continue;
            }

            current = next;
        }

        return current;
    }
}
