namespace FaceRep.Data.Formats;

/// <summary>One image of an identity-per-folder collection.</summary>
/// <param name="Path">Full path of the image file.</param>
/// <param name="Label">Identity label: the index of <paramref name="Identity"/> among the sorted identity names.</param>
/// <param name="Identity">The identity's folder name.</param>
public sealed record ImageFolderRecord(string Path, int Label, string Identity);

/// <summary>An identity-per-folder image collection (the VGGFace2 layout <c>root/&lt;identity&gt;/&lt;image&gt;.jpg</c>).</summary>
public sealed class ImageFolderDataset
{
    internal ImageFolderDataset(string root, IReadOnlyList<string> identities, IReadOnlyList<ImageFolderRecord> records, IReadOnlyList<string> ignored)
    {
        Root = root;
        Identities = identities;
        Records = records;
        IgnoredFiles = ignored;
    }

    /// <summary>The root folder.</summary>
    public string Root { get; }

    /// <summary>Identity names in label order (ordinal sort, as Python's <c>sorted</c> and torchvision's ImageFolder).</summary>
    public IReadOnlyList<string> Identities { get; }

    /// <summary>Images, by identity then file name (both ordinal).</summary>
    public IReadOnlyList<ImageFolderRecord> Records { get; }

    /// <summary>Files that are not part of the layout: files directly under the root, files with non-image extensions.</summary>
    public IReadOnlyList<string> IgnoredFiles { get; }

    /// <summary>Decodes one image; throws <see cref="CorruptSampleException"/> if it cannot be decoded.</summary>
    public DecodedImage Decode(int index, int resolution) => ImageDecoder.DecodeFile(Records[index].Path, resolution);

    /// <summary>Decodes every image in order, skipping (and reporting) the ones that cannot be decoded.</summary>
    public DecodedImageStream DecodeAll(int resolution, Action<string>? onSkip = null) =>
        new(Records.Count, resolution, i => Records[i].Path, i => ImageDecoder.ReadFile(Records[i].Path), i => Records[i].Label, onSkip);
}

/// <summary>Reads identity-per-folder image collections.</summary>
public static class ImageFolderReader
{
    /// <summary>File extensions taken as images (case-insensitive).</summary>
    public static readonly IReadOnlyList<string> ImageExtensions = [".jpg", ".jpeg", ".png"];

    /// <summary>
    /// Lists <paramref name="root"/>: every sub-folder holding at least one image is an identity; identities are
    /// sorted by name (ordinal) to give labels 0, 1, …; only images directly inside an identity folder count.
    /// </summary>
    public static ImageFolderDataset Read(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"{root}: no such directory");
        }

        var ignored = Directory.EnumerateFiles(root).Order(StringComparer.Ordinal).ToList();
        var identities = new List<string>();
        var records = new List<ImageFolderRecord>();
        foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var images = new List<string>();
            foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                if (IsImage(file))
                {
                    images.Add(file);
                }
                else
                {
                    ignored.Add(file);
                }
            }

            if (images.Count == 0)
            {
                continue;
            }

            var name = Path.GetFileName(folder);
            var label = identities.Count;
            identities.Add(name);
            records.AddRange(images.Select(p => new ImageFolderRecord(p, label, name)));
        }

        if (identities.Count == 0)
        {
            throw new DataFormatException(root, null, null, "no identity folders with images (expected root/<identity>/<image>.jpg|png)");
        }

        return new ImageFolderDataset(root, identities, records, ignored);
    }

    internal static bool IsImage(string path)
    {
        var ext = Path.GetExtension(path);
        return ImageExtensions.Any(e => string.Equals(e, ext, StringComparison.OrdinalIgnoreCase));
    }
}
