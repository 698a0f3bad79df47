using FaceRep.Data.Formats;
using SkiaSharp;

namespace FaceRep.Data.Tests.Formats;

public sealed class ImageDecoderTests
{
    [Fact]
    public void Decode_png_at_its_own_size_returns_exact_planar_rgb()
    {
        var png = EncodedImages.GradientPng();

        var image = ImageDecoder.Decode(png, 4, "gradient.png");

        Assert.Equal(4, image.Resolution);
        Assert.Equal((4, 4), (image.OriginalWidth, image.OriginalHeight));
        Assert.Equal(3 * 16, image.Pixels.Length);
        for (var y = 0; y < 4; y++)
        {
            for (var x = 0; x < 4; x++)
            {
                var c = EncodedImages.Gradient(x, y);
                var i = (y * 4) + x;
                Assert.Equal(c.Red / 255f, image.Pixels[i]);
                Assert.Equal(c.Green / 255f, image.Pixels[16 + i]);
                Assert.Equal(c.Blue / 255f, image.Pixels[32 + i]);
            }
        }
    }

    [Fact]
    public void Decode_resizes_to_the_requested_square_and_reports_the_original_size()
    {
        var red = new SKColor(255, 0, 0);
        var blue = new SKColor(0, 0, 255);
        var png = EncodedImages.Png(40, 20, (x, _) => x < 20 ? red : blue);

        var image = ImageDecoder.Decode(png, 8, "halves.png");

        Assert.Equal((40, 20), (image.OriginalWidth, image.OriginalHeight));
        Assert.Equal(3 * 64, image.Pixels.Length);
        var plane = 64;
        Assert.Equal(1f, image.Pixels[(4 * 8) + 1]);
        Assert.Equal(0f, image.Pixels[(2 * plane) + (4 * 8) + 1]);
        Assert.Equal(0f, image.Pixels[(4 * 8) + 6]);
        Assert.Equal(1f, image.Pixels[(2 * plane) + (4 * 8) + 6]);
        var boundary = image.Pixels[(4 * 8) + 3];
        Assert.InRange(boundary, 0.5f, 1f);
    }

    [Fact]
    public void Decode_resize_blends_neighbours_bilinearly()
    {
        var png = EncodedImages.Png(2, 1, (x, _) => x == 0 ? new SKColor(0, 0, 0) : new SKColor(255, 255, 255));

        var image = ImageDecoder.Decode(png, 4, "two.png");

        var row = Enumerable.Range(0, 4).Select(x => image.Pixels[x]).ToArray();
        Assert.Equal(0f, row[0], 0.02f);
        Assert.InRange(row[1], 0.1f, 0.4f);
        Assert.InRange(row[2], 0.6f, 0.9f);
        Assert.Equal(1f, row[3], 0.02f);
    }

    [Fact]
    public void Decode_jpeg_returns_its_colour_within_compression_error()
    {
        var jpeg = EncodedImages.SolidJpeg(16, new SKColor(200, 100, 50));

        var image = ImageDecoder.Decode(jpeg, 16, "solid.jpg");

        Assert.All(image.Pixels.Take(256), v => Assert.Equal(200 / 255f, v, 3 / 255f));
        Assert.All(image.Pixels.Skip(256).Take(256), v => Assert.Equal(100 / 255f, v, 3 / 255f));
        Assert.All(image.Pixels.Skip(512), v => Assert.Equal(50 / 255f, v, 3 / 255f));
    }

    [Fact]
    public void Decode_random_bytes_throws_naming_the_item_and_the_reason()
    {
        var bytes = EncodedImages.RandomBytes(500, 1);

        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Decode(bytes, 8, "faces/x.jpg"));

        Assert.Equal("faces/x.jpg", e.Item);
        Assert.Contains("not a decodable image", e.Reason, StringComparison.Ordinal);
        Assert.StartsWith("faces/x.jpg: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_truncated_jpeg_throws_rather_than_returning_a_partial_image()
    {
        var truncated = EncodedImages.TruncatedJpeg();

        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Decode(truncated, 8, "cut.jpg"));

        Assert.Contains("truncated", e.Reason, StringComparison.Ordinal);
        Assert.Contains("Jpeg 64×64", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_zero_length_data_throws()
    {
        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Decode([], 8, "empty.png"));

        Assert.Equal("zero-length data", e.Reason);
    }

    [Theory]
    [InlineData(64, 48, "truncated")]
    [InlineData(2, 2, "invalid data")]
    [InlineData(0, 0, "not a decodable image")]
    public void Decode_png_whose_header_declares_another_size_throws(int width, int height, string reason)
    {
        var png = EncodedImages.PngWithDeclaredSize(EncodedImages.Png(32, 24, (x, y) => new SKColor((byte)(8 * x), (byte)(10 * y), 128)), width, height);

        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Decode(png, 8, "lying.png"));

        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeFile_of_a_missing_file_throws_naming_the_path()
    {
        using var dir = new TempDir();
        var path = dir.PathOf("absent.png");

        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.DecodeFile(path, 8));

        Assert.Equal(path, e.Item);
        Assert.Contains("cannot read", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_returns_the_full_size_without_resizing()
    {
        var png = EncodedImages.Png(7, 5, (_, _) => SKColors.Gray);

        var size = ImageDecoder.Verify(png, "seven.png");

        Assert.Equal((7, 5), size);
    }
}
