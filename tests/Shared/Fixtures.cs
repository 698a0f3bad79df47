namespace FaceRep.Tests.Shared;

/// <summary>Fixture files committed under tests/, found from any test project's output directory.</summary>
internal static class FixturePaths
{
    /// <summary>The file or folder at <paramref name="relative"/> under tests/.</summary>
    public static string Find(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", relative);
            if (Directory.Exists(candidate) || File.Exists(candidate))
                return Path.TrimEndingDirectorySeparator(candidate);
        }

        throw new DirectoryNotFoundException($"fixture tests/{relative} not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>
/// The image-set sources written by PIL and h5py (tests/FaceRep.Data.Tests/ImageSets/Fixtures,
/// with make_sets.py).
/// </summary>
internal static class ImageSetFixtures
{
    /// <summary>The fixture (file or folder) called <paramref name="name"/>, or the folder itself for "".</summary>
    public static string PathOf(string name = "") => FixturePaths.Find(Path.Combine("FaceRep.Data.Tests", "ImageSets", "Fixtures", name));
}

/// <summary>
/// Benchmarks in their authors' layouts, written by independent writers (tests/FaceRep.Data.Tests/Benchmarks/Fixtures,
/// each with the script that made it).
/// </summary>
internal static class BenchmarkFixtures
{
    /// <summary>The fixture (file or folder) called <paramref name="name"/>.</summary>
    public static string PathOf(string name) => FixturePaths.Find(Path.Combine("FaceRep.Data.Tests", "Benchmarks", "Fixtures", name));
}
