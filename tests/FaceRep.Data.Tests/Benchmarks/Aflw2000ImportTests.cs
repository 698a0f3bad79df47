using System.Text.Json;
using FaceRep.Data.Benchmarks;
using FaceRep.Tests.Shared;

namespace FaceRep.Data.Tests.Benchmarks;

/// <summary>Importing AFLW2000-3D with 300W-LP from .mat files written by scipy and JPEGs by PIL (Fixtures/make_aflw2000.py).</summary>
public sealed class Aflw2000ImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-aflw2000-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Aflw2000_tests_and_300w_lp_trains_cropped_by_3ddfas_rule_in_yaw_bins_and_bad_files_are_named()
    {
        var manifest = BenchmarkImport.Run(BenchmarkKinds.Get("aflw2000-3d"), BenchmarkFixtures.PathOf("aflw2000"), Path.Combine(_dir, "a"), new BenchmarkImportOptions { Size = 64, Threads = 2 });
        var items = Benchmark.Open(Path.Combine(_dir, "a")).ReadAll();
        var expected = JsonDocument.Parse(File.ReadAllText(BenchmarkFixtures.PathOf("expected_aflw2000.json"))).RootElement;

        Assert.Equal((3, 3), (manifest.Splits[BenchmarkSplits.Train], manifest.Splits[BenchmarkSplits.Test]));
        Assert.Equal(("landmarks3d", 68, 2), (manifest.Task, manifest.Points, manifest.Dimensions));
        Assert.Equal(new Dictionary<string, int> { ["yaw0-30"] = 1, ["yaw30-60"] = 1, ["yaw60-90"] = 1 }, manifest.Subsets);
        var skipped = expected.GetProperty("skipped").EnumerateArray().Select(s => s.GetString()!.Replace('/', Path.DirectorySeparatorChar)).ToList();
        Assert.Equal(skipped.Order(), manifest.Skipped.Select(s => s.Item).Order());
        Assert.Contains(manifest.Skipped, s => s.Reason.Contains("3×68", StringComparison.Ordinal));
        Assert.Contains(manifest.Skipped, s => s.Reason.Contains("no image", StringComparison.Ordinal));
        foreach (var face in expected.GetProperty("faces").EnumerateObject())
        {
            var item = Assert.Single(items, i => i.Source.Replace('\\', '/') == face.Name);
            var crop = face.Value.GetProperty("crop64").EnumerateArray().SelectMany(p => p.EnumerateArray().Select(v => v.GetSingle())).ToArray();
            for (var i = 0; i < crop.Length; i++)
                Assert.True(Math.Abs(crop[i] - item.Points[i]) < 2e-3, $"{face.Name} value {i}: {item.Points[i]}, expected {crop[i]}");
            if (face.Value.TryGetProperty("bin", out var bin))
                Assert.Equal([bin.GetString()!], item.Subsets);
        }

        // Yaw in degrees (from Pose_Para's radians): the second test face was turned 45° the other way.
        Assert.Equal(-45f, items.Single(i => i.Source.EndsWith("image00003.mat", StringComparison.Ordinal)).Pose[0], 3);
    }

    [Fact]
    public void Bin_means_and_their_mean_are_3ddfas_figures_over_the_bins_that_hold_faces()
    {
        BenchmarkImport.Run(BenchmarkKinds.Get("aflw2000-3d"), BenchmarkFixtures.PathOf("aflw2000"), Path.Combine(_dir, "a"), new BenchmarkImportOptions { Size = 64, Threads = 2 });
        var test = Benchmark.Open(Path.Combine(_dir, "a")).ReadAll().Where(i => i.Split == BenchmarkSplits.Test).ToList();
        var kind = BenchmarkKinds.Get("aflw2000-3d");

        // Each face's prediction one crop pixel right of the truth: its NME is that pixel in the original
        // image over √(w·h) of its box.
        var predicted = test.SelectMany(i => i.Points.Select((v, k) => k % 2 == 0 ? v + 1 : v)).ToArray();
        var metrics = kind.Metrics(test, predicted);
        var nme = test.Select(i =>
        {
            var xs = i.OriginalPoints.Where((_, k) => k % 2 == 0).ToArray();
            var ys = i.OriginalPoints.Where((_, k) => k % 2 == 1).ToArray();
            return i.Scale / Math.Sqrt((xs.Max() - xs.Min()) * (ys.Max() - ys.Min()));
        }).ToArray();

        Assert.Equal(nme.Average(), metrics["nme2d_box"], 6);
        Assert.Equal(nme[1], metrics["nme2d_box@yaw30-60"], 6);
        Assert.Equal(3, metrics.Keys.Count(k => k.StartsWith("nme2d_box@", StringComparison.Ordinal)));
        var twoBins = kind.Metrics(test.Take(2).ToList(), predicted.AsSpan(0, 2 * 136));
        Assert.Equal((nme[0] + nme[1]) / 2, twoBins["nme2d_box"], 6);
        Assert.False(twoBins.ContainsKey("nme2d_box@yaw60-90"));
    }
}
