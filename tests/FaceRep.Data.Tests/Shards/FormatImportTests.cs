using FaceRep.Data.Formats;
using FaceRep.Data.Shards;
using SkiaSharp;

namespace FaceRep.Data.Tests.Shards;

public sealed class FormatImportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-import-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Png(SKColor colour, int size = 24)
    {
        using var bitmap = new SKBitmap(size, size);
        bitmap.Erase(colour);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    [Fact]
    public void Image_folders_import_into_shards_with_identities_skipping_corrupt_files()
    {
        var root = Path.Combine(_dir, "vggface2");
        foreach (var (identity, colour) in new[] { ("n0001", SKColors.Red), ("n0002", SKColors.Lime), ("n0003", SKColors.Blue) })
        {
            Directory.CreateDirectory(Path.Combine(root, identity));
            File.WriteAllBytes(Path.Combine(root, identity, "0001.png"), Png(colour));
            File.WriteAllBytes(Path.Combine(root, identity, "0002.png"), Png(colour, 40));
        }

        File.WriteAllBytes(Path.Combine(root, "n0002", "0003.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        var skips = new List<string>();

        var result = FormatImport.Import(root, Path.Combine(_dir, "shards"), 32, skips.Add, shardSize: 4);
        var dataset = ShardStore.Open(Path.Combine(_dir, "shards"));

        Assert.Equal(DatasetFormat.ImageFolders, result.Format);
        Assert.Equal(1, result.Skipped);
        Assert.Contains("0003.jpg", Assert.Single(skips), StringComparison.Ordinal);
        Assert.Equal(6, dataset.Count);
        Assert.Equal([0, 0, 1, 1, 2, 2], Enumerable.Range(0, 6).Select(i => dataset.Get(i).Identity));
        var green = dataset.Get(2).Pixels;
        Assert.Equal(1f, green[(32 * 32) + 5], 2);   // green channel of an n0002 image
        Assert.Equal(0f, green[5], 2);               // its red channel
    }

    [Fact]
    public void Annotation_files_are_refused_with_what_to_import_instead()
    {
        Directory.CreateDirectory(_dir);
        var pts = Path.Combine(_dir, "face.pts");
        File.WriteAllText(pts, "version: 1\nn_points: 68\n{\n" + string.Join('\n', Enumerable.Repeat("1 2", 68)) + "\n}\n");

        var e = Assert.Throws<DataFormatException>(() => FormatImport.Import(pts, Path.Combine(_dir, "out"), 32));

        Assert.Contains("annotations, not images", e.Message, StringComparison.Ordinal);
    }
}
