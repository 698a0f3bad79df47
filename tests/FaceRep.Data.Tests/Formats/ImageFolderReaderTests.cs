using FaceRep.Data.Formats;
using SkiaSharp;

namespace FaceRep.Data.Tests.Formats;

public sealed class ImageFolderReaderTests
{
    [Fact]
    public void Read_labels_identities_in_sorted_name_order()
    {
        using var dir = new TempDir();
        dir.Write("n000200/0002_01.jpg", EncodedImages.SolidJpeg(8, SKColors.Red));
        dir.Write("n000010/0001_02.png", EncodedImages.GradientPng());
        dir.Write("n000010/0001_01.jpg", EncodedImages.SolidJpeg(8, SKColors.Blue));
        dir.Write("B_upper/a.PNG", EncodedImages.GradientPng());

        var data = ImageFolderReader.Read(dir.Root);

        Assert.Equal(["B_upper", "n000010", "n000200"], data.Identities);
        Assert.Equal(
            [("B_upper", 0, "a.PNG"), ("n000010", 1, "0001_01.jpg"), ("n000010", 1, "0001_02.png"), ("n000200", 2, "0002_01.jpg")],
            data.Records.Select(r => (r.Identity, r.Label, Path.GetFileName(r.Path))));
        Assert.All(data.Records, r => Assert.Equal(dir.PathOf(Path.Combine(r.Identity, Path.GetFileName(r.Path))), r.Path));
    }

    [Fact]
    public void Read_skips_folders_without_images_and_lists_files_outside_the_layout()
    {
        using var dir = new TempDir();
        dir.Write("alice/1.jpg", EncodedImages.SolidJpeg(8, SKColors.Red));
        dir.Write("alice/notes.txt", "x");
        dir.Write("empty/readme.md", "x");
        dir.Write("stray.jpg", EncodedImages.SolidJpeg(8, SKColors.Red));

        var data = ImageFolderReader.Read(dir.Root);

        Assert.Equal(["alice"], data.Identities);
        Assert.Single(data.Records);
        Assert.Equal(
            ["notes.txt", "readme.md", "stray.jpg"],
            data.IgnoredFiles.Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_a_folder_without_identity_folders_throws_naming_it()
    {
        using var dir = new TempDir();
        dir.Write("loose.jpg", EncodedImages.SolidJpeg(8, SKColors.Red));

        var e = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.Root));

        Assert.Equal(dir.Root, e.File);
        Assert.Contains("no identity folders", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_returns_the_pixels_of_the_indexed_image()
    {
        using var dir = new TempDir();
        dir.Write("a/1.png", EncodedImages.GradientPng());

        var image = ImageFolderReader.Read(dir.Root).Decode(0, 4);

        Assert.Equal(EncodedImages.Gradient(3, 2).Red / 255f, image.Pixels[(2 * 4) + 3]);
    }

    [Fact]
    public void DecodeAll_skips_counts_and_reports_each_corrupt_image()
    {
        using var dir = new TempDir();
        dir.Write("a/good1.png", EncodedImages.GradientPng());
        dir.Write("a/random.jpg", EncodedImages.RandomBytes(300, 3));
        dir.Write("b/good2.jpg", EncodedImages.SolidJpeg(16, SKColors.Green));
        dir.Write("b/truncated.jpg", EncodedImages.TruncatedJpeg());
        dir.Write("c/empty.png", []);
        dir.Write("c/good3.png", EncodedImages.GradientPng());
        dir.Write("c/lying.png", EncodedImages.PngWithDeclaredSize(EncodedImages.GradientPng(), 40, 40));
        var data = ImageFolderReader.Read(dir.Root);
        var log = new List<string>();

        var stream = data.DecodeAll(8, log.Add);
        var images = stream.ToList();

        Assert.Equal(["good1.png", "good2.jpg", "good3.png"], images.Select(i => Path.GetFileName(i.Item)));
        Assert.Equal([0, 1, 2], images.Select(i => i.Label));
        Assert.All(images, i => Assert.Equal(3 * 64, i.Image.Pixels.Length));
        Assert.Equal(3, stream.Decoded);
        Assert.Equal(4, stream.Skipped);
        Assert.Equal(["random.jpg", "truncated.jpg", "empty.png", "lying.png"], stream.SkippedItems.Select(Path.GetFileName));
        Assert.Equal(4, log.Count);
        Assert.StartsWith($"skipped {dir.PathOf("a/random.jpg")}: not a decodable image", log[0], StringComparison.Ordinal);
        Assert.Contains("truncated", log[1], StringComparison.Ordinal);
        Assert.EndsWith("empty.png: zero-length data", log[2], StringComparison.Ordinal);
        Assert.Contains("lying.png: Png 40×40", log[3], StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeAll_counts_restart_with_each_enumeration()
    {
        using var dir = new TempDir();
        dir.Write("a/good.png", EncodedImages.GradientPng());
        dir.Write("a/bad.png", EncodedImages.RandomBytes(50, 9));
        var stream = ImageFolderReader.Read(dir.Root).DecodeAll(4);

        _ = stream.Count();
        var second = stream.Count();

        Assert.Equal(1, second);
        Assert.Equal(1, stream.Decoded);
        Assert.Equal(1, stream.Skipped);
    }
}
