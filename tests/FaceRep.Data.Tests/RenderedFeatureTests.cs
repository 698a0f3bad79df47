using System.Numerics;

namespace FaceRep.Data.Tests;

/// <summary>The drawn features sit at their landmarks, so a network can learn to find them.</summary>
public sealed class RenderedFeatureTests
{
    private static readonly int[] OuterLips = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59];
    private static readonly int[] FaceOutline = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 26, 25, 24, 19, 18, 17];

    private static IEnumerable<FaceSample> CuratedSamples(int count = 60, int resolution = 64) =>
        Enumerable.Range(0, count).Select(new SynthFaceDataset("c", new SynthFaceOptions(SynthFlavour.Curated, count, resolution, Seed: 11)).Get);

    private static Vector2 Cheek(FaceSample s, bool left) => left
        ? Vector2.Lerp(TestImages.Landmark(s, 2), TestImages.Landmark(s, 31), 0.45f)
        : Vector2.Lerp(TestImages.Landmark(s, 14), TestImages.Landmark(s, 35), 0.45f);

    private static Vector2 EyeCentre(FaceSample s, int first) =>
        0.25f * (TestImages.Landmark(s, first + 1) + TestImages.Landmark(s, first + 2) + TestImages.Landmark(s, first + 4) + TestImages.Landmark(s, first + 5));

    [Fact]
    public void Eyes_show_more_local_contrast_than_the_cheeks_beside_them()
    {
        var eyes = 0f;
        var cheeks = 0f;

        foreach (var s in CuratedSamples())
        {
            eyes += TestImages.PatchContrast(s, EyeCentre(s, 36), 1) + TestImages.PatchContrast(s, EyeCentre(s, 42), 1);
            cheeks += TestImages.PatchContrast(s, Cheek(s, true), 1) + TestImages.PatchContrast(s, Cheek(s, false), 1);
        }

        Assert.True(eyes > 3f * cheeks, $"eye contrast {eyes:F2} vs cheek contrast {cheeks:F2}");
    }

    [Fact]
    public void Lips_differ_in_colour_from_the_cheeks()
    {
        var total = 0f;
        var n = 0;

        foreach (var s in CuratedSamples())
        {
            var (lips, count) = TestImages.PolygonMean(s, OuterLips);
            if (count == 0)
            {
                continue;
            }

            var skin = 0.5f * (TestImages.PatchMean(s, Cheek(s, true), 1) + TestImages.PatchMean(s, Cheek(s, false), 1));
            total += Vector3.Distance(lips, skin);
            n++;
        }

        Assert.True(n > 50, $"only {n} samples had pixels inside the lips");
        Assert.True(total / n > 0.06f, $"mean lip-to-skin colour distance {total / n:F3}");
    }

    [Fact]
    public void The_mouth_line_is_darker_than_the_skin_above_the_lip()
    {
        var mouth = 0f;
        var skin = 0f;

        foreach (var s in CuratedSamples())
        {
            var line = 0.5f * (TestImages.Landmark(s, 62) + TestImages.Landmark(s, 66));
            var aboveLip = Vector2.Lerp(TestImages.Landmark(s, 33), TestImages.Landmark(s, 51), 0.5f);
            mouth += TestImages.Luma(TestImages.PatchMean(s, line, 0));
            skin += TestImages.Luma(TestImages.PatchMean(s, aboveLip, 0));
        }

        Assert.True(mouth < 0.8f * skin, $"mouth {mouth:F2} vs skin {skin:F2}");
    }

    [Fact]
    public void Contrast_peaks_at_the_eye_landmarks_not_beside_them()
    {
        var atLandmarks = 0f;
        var shifted = 0f;

        foreach (var s in CuratedSamples())
        {
            var eyeDistance = Vector2.Distance(EyeCentre(s, 36), EyeCentre(s, 42));
            var down = new Vector2(0f, 0.45f * eyeDistance);
            atLandmarks += TestImages.PatchContrast(s, EyeCentre(s, 36), 1) + TestImages.PatchContrast(s, EyeCentre(s, 42), 1);
            shifted += TestImages.PatchContrast(s, EyeCentre(s, 36) + down, 1) + TestImages.PatchContrast(s, EyeCentre(s, 42) + down, 1);
        }

        Assert.True(atLandmarks > 2f * shifted, $"contrast at the eyes {atLandmarks:F2} vs below them {shifted:F2}");
    }

    [Fact]
    public void The_face_differs_in_colour_from_what_surrounds_it()
    {
        var total = 0f;
        var n = 0;

        foreach (var s in CuratedSamples())
        {
            var (face, _) = TestImages.PolygonMean(s, FaceOutline);
            var (min, max) = Bounds(s);
            var margin = 0.2f * (max - min);
            var outside = Vector3.Zero;
            var count = 0;
            for (var y = 0; y < s.Resolution; y++)
            {
                for (var x = 0; x < s.Resolution; x++)
                {
                    var p = new Vector2(x + 0.5f, y + 0.5f);
                    if (p.X < min.X - margin.X || p.X > max.X + margin.X || p.Y < min.Y - margin.Y || p.Y > max.Y + margin.Y)
                    {
                        outside += TestImages.Pixel(s, x, y);
                        count++;
                    }
                }
            }

            if (count > 0)
            {
                total += Vector3.Distance(face, outside / count);
                n++;
            }
        }

        Assert.True(n > 50);
        Assert.True(total / n > 0.1f, $"mean face-to-surroundings colour distance {total / n:F3}");
    }

    private static (Vector2 Min, Vector2 Max) Bounds(FaceSample s)
    {
        var min = new Vector2(float.MaxValue);
        var max = new Vector2(float.MinValue);
        for (var i = 0; i < 68; i++)
        {
            min = Vector2.Min(min, TestImages.Landmark(s, i));
            max = Vector2.Max(max, TestImages.Landmark(s, i));
        }

        return (min, max);
    }
}
