namespace FaceRep.Tests.Shared;

/// <summary>
/// The image-set sources written by PIL and h5py (tests/FaceRep.Data.Tests/ImageSets/Fixtures,
/// with make_sets.py), found from any test project's output directory.
/// </summary>
internal static class ImageSetFixtures
{
    /// <summary>The fixture (file or folder) called <paramref name="name"/>, or the folder itself for "".</summary>
    public static string PathOf(string name = "")
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "FaceRep.Data.Tests", "ImageSets", "Fixtures", name);
            if (Directory.Exists(candidate) || File.Exists(candidate))
                return Path.TrimEndingDirectorySeparator(candidate);
        }

        throw new DirectoryNotFoundException($"image-set fixture '{name}' not found above {AppContext.BaseDirectory}");
    }
}
