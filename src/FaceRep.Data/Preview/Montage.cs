using SkiaSharp;

namespace FaceRep.Data.Preview;

/// <summary>Contact sheets of samples with their landmarks drawn, so a person can look at a dataset.</summary>
public static class Montage
{
    /// <summary>Writes a PNG grid of the first <paramref name="count"/> samples, each scaled by <paramref name="scale"/>.</summary>
    public static void WritePng(IFaceDataset dataset, string path, int count = 48, int columns = 8, int scale = 3)
    {
        count = Math.Min(count, dataset.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var r = dataset.Resolution;
        var tile = r * scale;
        var rows = (count + columns - 1) / columns;
        using var bitmap = new SKBitmap(columns * tile, rows * tile, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.Black);
        using var dot = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        for (var k = 0; k < count; k++)
        {
            var sample = dataset.Get(k);
            var ox = k % columns * tile;
            var oy = k / columns * tile;
            using var face = ToBitmap(sample.Pixels, r);
            using var faceImage = SKImage.FromBitmap(face);
            canvas.DrawImage(faceImage, new SKRect(ox, oy, ox + tile, oy + tile), new SKSamplingOptions(SKFilterMode.Nearest));
            for (var p = 0; p < sample.Landmarks.Length / 2; p++)
            {
                dot.Color = ColourOf(p);
                canvas.DrawCircle(ox + (sample.Landmarks[2 * p] * scale), oy + (sample.Landmarks[(2 * p) + 1] * scale), Math.Max(1f, scale * 0.45f), dot);
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    private static SKBitmap ToBitmap(float[] chw, int r)
    {
        var bitmap = new SKBitmap(r, r, SKColorType.Rgba8888, SKAlphaType.Premul);
        var plane = r * r;
        var pixels = new byte[plane * 4];
        for (var i = 0; i < plane; i++)
        {
            pixels[(4 * i) + 0] = Byte(chw[i]);
            pixels[(4 * i) + 1] = Byte(chw[plane + i]);
            pixels[(4 * i) + 2] = Byte(chw[(2 * plane) + i]);
            pixels[(4 * i) + 3] = 255;
        }

        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        return bitmap;
    }

    private static byte Byte(float v) => (byte)Math.Clamp((int)MathF.Round(v * 255f), 0, 255);

    /// <summary>Jaw yellow, brows orange, nose green, eyes cyan, mouth magenta (68-point layout).</summary>
    private static SKColor ColourOf(int point) => point switch
    {
        < 17 => SKColors.Yellow,
        < 27 => SKColors.Orange,
        < 36 => SKColors.Lime,
        < 48 => SKColors.Cyan,
        _ => SKColors.Magenta,
    };
}
