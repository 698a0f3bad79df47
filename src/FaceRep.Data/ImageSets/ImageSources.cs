using System.Globalization;
using FaceRep.Data.Formats;

namespace FaceRep.Data.ImageSets;

/// <summary>The layouts <see cref="ImageSetImport"/> reads.</summary>
public enum ImageSourceLayout
{
    /// <summary>Chosen from what the path holds.</summary>
    Auto,

    /// <summary><c>root/&lt;identity&gt;/&lt;image&gt;</c> (VGGFace2): identities become labels.</summary>
    Identities,

    /// <summary>Images anywhere under a folder, no labels (an uncurated crawl).</summary>
    Images,

    /// <summary><c>root/&lt;identity&gt;/&lt;clip&gt;/&lt;frame&gt;</c> (VoxCeleb frames): identity, clip and frame order.</summary>
    Video,

    /// <summary>An HDF5 file whose <c>images</c> dataset holds one encoded image per entry (h5py vlen uint8).</summary>
    Hdf5,
}

/// <summary>One item of a source: its name, labels, optional face box and how to read its bytes.</summary>
/// <param name="Name">The item's name: a path relative to the source, or <c>file.h5[images][i]</c>.</param>
/// <param name="Label">Identity label, or −1.</param>
/// <param name="Clip">Clip number, or −1.</param>
/// <param name="Frame">Frame within the clip, or −1.</param>
/// <param name="Region">The face region to crop (already with its margin), or null for the whole image.</param>
/// <param name="Read">Reads the encoded bytes; throws <see cref="CorruptSampleException"/> when it cannot.</param>
public sealed record SourceItem(string Name, int Label, int Clip, int Frame, ImageRegion? Region, Func<byte[]> Read);

/// <summary>A source listed for import.</summary>
/// <param name="Layout">The layout read.</param>
/// <param name="Kind">What the set's images will be labelled with.</param>
/// <param name="Identities">Identity names in label order.</param>
/// <param name="Clips">Number of clips.</param>
/// <param name="Items">Every item, in the set's order.</param>
/// <param name="Ignored">Files that are not part of the layout (non-images, misplaced files).</param>
/// <param name="Resource">Something to dispose when the import ends (an open HDF5 file), or null.</param>
public sealed record ImageSource(ImageSourceLayout Layout, ImageSetKind Kind, IReadOnlyList<string> Identities, int Clips,
    IReadOnlyList<SourceItem> Items, IReadOnlyList<string> Ignored, IDisposable? Resource) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Resource?.Dispose();
}

/// <summary>
/// Lists the items of a source in a fixed order (ordinal by name at every level, as Python's
/// <c>sorted</c>), so two imports of the same source produce the same set.
/// </summary>
public static class ImageSources
{
    /// <summary>The default margin around a face box: 30% of the box's longer side on each side.</summary>
    public const double DefaultMargin = 0.3;

    /// <summary>Lists <paramref name="path"/> as <paramref name="layout"/> (or the layout it holds, for <see cref="ImageSourceLayout.Auto"/>).</summary>
    /// <param name="path">A folder or an HDF5 file.</param>
    /// <param name="layout">The layout to read.</param>
    /// <param name="boxes">A VGGFace2 <c>loose_bb_*.csv</c> (NAME_ID,X,Y,W,H) to crop identity-folder images with, or null.</param>
    /// <param name="margin">Margin around each box, a fraction of its longer side on each side; the crop is the square around the box's centre.</param>
    /// <exception cref="DataFormatException">The path does not hold the layout; the message says what it holds.</exception>
    public static ImageSource List(string path, ImageSourceLayout layout = ImageSourceLayout.Auto, string? boxes = null, double margin = DefaultMargin)
    {
        path = Path.GetFullPath(path);
        if (layout == ImageSourceLayout.Auto)
            layout = Detect(path);
        if (boxes is not null && layout != ImageSourceLayout.Identities)
            throw new DataFormatException(boxes, null, null, $"face boxes apply to identity folders only; {path} is read as {layout.ToString().ToLowerInvariant()}");
        return layout switch
        {
            ImageSourceLayout.Identities => IdentityFolders(path, boxes, margin),
            ImageSourceLayout.Images => PlainFolder(path),
            ImageSourceLayout.Video => VideoFrames(path),
            ImageSourceLayout.Hdf5 => Hdf5(path),
            _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, null),
        };
    }

    /// <summary>
    /// The layout <paramref name="path"/> holds: a file is HDF5; a folder with images directly in it is
    /// plain images; a folder whose sub-folders hold images is identity folders; a folder whose
    /// sub-folders' sub-folders hold images (and whose sub-folders hold none) is video frames.
    /// </summary>
    public static ImageSourceLayout Detect(string path)
    {
        if (File.Exists(path))
        {
            return FormatDetector.Detect(path) == DatasetFormat.Hdf5Images
                ? ImageSourceLayout.Hdf5
                : throw new DataFormatException(path, null, null, "not an HDF5 file; import an HDF5 file of encoded images or a folder of images");
        }

        if (!Directory.Exists(path))
            throw new DataFormatException(path, null, null, "no such file or directory");
        if (Directory.EnumerateFiles(path).Any(ImageFolderReader.IsImage))
            return ImageSourceLayout.Images;
        var folders = Directory.EnumerateDirectories(path).Order(StringComparer.Ordinal).ToList();
        if (folders.Any(f => Directory.EnumerateFiles(f).Any(ImageFolderReader.IsImage)))
            return ImageSourceLayout.Identities;
        if (folders.Any(f => Directory.EnumerateDirectories(f).Any(c => Directory.EnumerateFiles(c).Any(ImageFolderReader.IsImage))))
            return ImageSourceLayout.Video;
        throw new DataFormatException(path, null, null,
            "no images found in it, its folders or their folders (expected images, <identity>/<image>, or <identity>/<clip>/<frame>; .jpg, .jpeg or .png)");
    }

    private static ImageSource IdentityFolders(string root, string? boxFile, double margin)
    {
        var folders = ImageFolderReader.Read(root);
        var boxes = boxFile is null ? null : ReadBoxes(boxFile);
        var items = new List<SourceItem>(folders.Records.Count);
        var ignored = folders.IgnoredFiles.Select(f => Relative(root, f)).ToList();
        foreach (var record in folders.Records)
        {
            var name = Relative(root, record.Path);
            ImageRegion? region = null;
            if (boxes is not null)
            {
                var key = Path.ChangeExtension(name, null);
                if (!boxes.TryGetValue(key, out var box))
                    throw new DataFormatException(boxFile!, null, key, $"no box for {name}; every image needs one when boxes are given");
                region = Square(box, margin);
            }

            var path = record.Path;
            items.Add(new SourceItem(name, record.Label, -1, -1, region, () => ImageDecoder.ReadFile(path)));
        }

        return new ImageSource(ImageSourceLayout.Identities, ImageSetKind.Identities, folders.Identities, 0, items, ignored, null);
    }

    private static ImageSource PlainFolder(string root)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true };
        var files = Directory.EnumerateFiles(root, "*", options).Select(f => Relative(root, f)).Order(StringComparer.Ordinal).ToList();
        var items = new List<SourceItem>();
        var ignored = new List<string>();
        foreach (var name in files)
        {
            if (!ImageFolderReader.IsImage(name))
            {
                ignored.Add(name);
                continue;
            }

            var path = Path.Combine(root, name);
            items.Add(new SourceItem(name, -1, -1, -1, null, () => ImageDecoder.ReadFile(path)));
        }

        if (items.Count == 0)
            throw new DataFormatException(root, null, null, "no images (.jpg, .jpeg or .png) in it or its folders");
        return new ImageSource(ImageSourceLayout.Images, ImageSetKind.Images, [], 0, items, ignored, null);
    }

    private static ImageSource VideoFrames(string root)
    {
        var identities = new List<string>();
        var items = new List<SourceItem>();
        var ignored = Directory.EnumerateFiles(root).Select(f => Relative(root, f)).Order(StringComparer.Ordinal).ToList();
        var clips = 0;
        foreach (var identity in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            ignored.AddRange(Directory.EnumerateFiles(identity).Select(f => Relative(root, f)).Order(StringComparer.Ordinal));
            var label = -1;
            foreach (var clip in Directory.EnumerateDirectories(identity).Order(StringComparer.Ordinal))
            {
                var frames = Directory.EnumerateFiles(clip).Order(StringComparer.Ordinal).ToList();
                var images = frames.Where(ImageFolderReader.IsImage).ToList();
                ignored.AddRange(frames.Where(f => !ImageFolderReader.IsImage(f)).Select(f => Relative(root, f)));
                if (images.Count == 0)
                    continue;
                if (label < 0)
                {
                    label = identities.Count;
                    identities.Add(Path.GetFileName(identity));
                }

                for (var f = 0; f < images.Count; f++)
                {
                    var path = images[f];
                    items.Add(new SourceItem(Relative(root, path), label, clips, f, null, () => ImageDecoder.ReadFile(path)));
                }

                clips++;
            }
        }

        if (items.Count == 0)
            throw new DataFormatException(root, null, null, "no frames (expected <identity>/<clip>/<frame>.jpg|png)");
        return new ImageSource(ImageSourceLayout.Video, ImageSetKind.Video, identities, clips, items, ignored, null);
    }

    private static ImageSource Hdf5(string path)
    {
        var file = Hdf5ImageFile.Open(path);
        try
        {
            var items = new SourceItem[file.Count];
            for (var i = 0; i < file.Count; i++)
            {
                var index = i;
                items[i] = new SourceItem($"{Path.GetFileName(path)}[{file.DatasetName}][{i}]", -1, -1, -1, null, () => file.ReadEncoded(index));
            }

            if (items.Length == 0)
                throw new DataFormatException(path, null, null, $"dataset '{file.DatasetName}' has no entries");
            return new ImageSource(ImageSourceLayout.Hdf5, ImageSetKind.Images, [], 0, items, [], file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a VGGFace2 box file: a header line, then <c>NAME_ID,X,Y,W,H</c> per image, NAME_ID being
    /// <c>identity/image</c> without its extension.
    /// </summary>
    /// <exception cref="DataFormatException">A line is malformed (names the file, line and value).</exception>
    public static IReadOnlyDictionary<string, (float X, float Y, float Width, float Height)> ReadBoxes(string file)
    {
        if (!File.Exists(file))
            throw new DataFormatException(file, null, null, "no such box file");
        var boxes = new Dictionary<string, (float, float, float, float)>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in File.ReadLines(file))
        {
            number++;
            if (line.Length == 0 || (number == 1 && line.StartsWith("NAME_ID", StringComparison.OrdinalIgnoreCase)))
                continue;
            var fields = line.Split(',');
            if (fields.Length != 5)
                throw new DataFormatException(file, number, line, $"expected 5 fields NAME_ID,X,Y,W,H, found {fields.Length}");
            var values = new float[4];
            for (var k = 0; k < 4; k++)
            {
                if (!float.TryParse(fields[k + 1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[k]) || !float.IsFinite(values[k]))
                    throw new DataFormatException(file, number, fields[k + 1], $"field {"XYWH"[k]} is not a number");
            }

            if (values[2] <= 0 || values[3] <= 0)
                throw new DataFormatException(file, number, line, "the box's width and height must be positive");
            var key = fields[0].Trim().Trim('"').Replace('\\', '/');
            if (!boxes.TryAdd(key, (values[0], values[1], values[2], values[3])))
                throw new DataFormatException(file, number, key, "a second box for the same image");
        }

        return boxes;
    }

    /// <summary>The square crop around a box: side = longer side × (1 + 2·margin), centred on the box.</summary>
    public static ImageRegion Square((float X, float Y, float Width, float Height) box, double margin)
    {
        var side = (float)(Math.Max(box.Width, box.Height) * (1 + (2 * margin)));
        var cx = box.X + (box.Width / 2);
        var cy = box.Y + (box.Height / 2);
        return new ImageRegion(cx - (side / 2), cy - (side / 2), side, side);
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
