using System.Text.Json;
using FaceRep.Core.Metrics;
using FaceRep.Data.Benchmarks;
using FaceRep.Tests.Shared;

namespace FaceRep.Data.Tests.Benchmarks;

/// <summary>Importing DISFA from AU files written by hand, landmarks by scipy and frames by PIL (Fixtures/make_disfa.py).</summary>
public sealed class DisfaImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-disfa-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (BenchmarkManifest Manifest, IReadOnlyList<BenchmarkItem> Items) Import()
    {
        var manifest = BenchmarkImport.Run(BenchmarkKinds.Get("disfa"), BenchmarkFixtures.PathOf("disfa"), Path.Combine(_dir, "d"), new BenchmarkImportOptions { Size = 48, Threads = 2 });
        return (manifest, Benchmark.Open(Path.Combine(_dir, "d")).ReadAll());
    }

    [Fact]
    public void Every_labelled_frame_becomes_a_face_of_its_subject_in_the_fold_that_tests_it_cropped_on_its_landmarks()
    {
        var (manifest, items) = Import();
        var expected = JsonDocument.Parse(File.ReadAllText(BenchmarkFixtures.PathOf("expected_disfa.json"))).RootElement;
        var frames = expected.GetProperty("frames").EnumerateObject().ToList();

        Assert.Equal("au", manifest.Task);
        Assert.Equal(frames.Count, items.Count);
        Assert.All(items, i => Assert.Equal(BenchmarkSplits.Train, i.Split));
        Assert.Equal(frames.Count, manifest.Splits[BenchmarkSplits.Train]);
        Assert.Equal(frames.Count(f => f.Value.GetProperty("fold").GetString() == "fold1"), manifest.Subsets["fold1"]);
        foreach (var frame in frames)
        {
            var item = Assert.Single(items, i => i.Source == frame.Name);
            Assert.Equal([frame.Value.GetProperty("fold").GetString()!], item.Subsets);
            Assert.Equal(frame.Value.GetProperty("subject").GetInt32(), item.Subject);
            Assert.Equal(frame.Value.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()), item.Values);
            var region = frame.Value.GetProperty("region").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(region[0], item.Offset[0], 3);
            Assert.Equal(region[1], item.Offset[1], 3);
            Assert.Equal(region[2] / 48, item.Scale, 4);
        }
    }

    [Fact]
    public void A_missing_frame_missing_landmarks_a_bad_intensity_an_unknown_subject_and_unextracted_frames_are_each_named()
    {
        var (manifest, _) = Import();
        var expected = JsonDocument.Parse(File.ReadAllText(BenchmarkFixtures.PathOf("expected_disfa.json"))).RootElement;
        string Expected(string key) => expected.GetProperty(key).GetString()!;

        Assert.Contains(manifest.Skipped, s => s.Item == Expected("missing_frame") && s.Reason.Contains("no such frame", StringComparison.Ordinal));
        Assert.Contains(manifest.Skipped, s => s.Item == Expected("missing_landmarks") && s.Reason.Contains("SN018_0002_lm.mat", StringComparison.Ordinal));
        Assert.Contains(manifest.Skipped, s => s.Item == Expected("unknown_subject") && s.Reason.Contains("not one of DISFA's 27 subjects", StringComparison.Ordinal));
        // The AU file (relative to the source), its line and the value are named.
        Assert.Contains(manifest.Skipped, s => s.Item == Expected("bad_intensity") && s.Reason.StartsWith("ActionUnit_Labels/SN010/SN010_au4.txt:2:", StringComparison.Ordinal)
            && s.Reason.Contains("'7'", StringComparison.Ordinal) && s.Reason.Contains("0–5", StringComparison.Ordinal));
        Assert.Contains(manifest.Skipped, s => s.Item == Expected("no_frames") && s.Reason.Contains("LeftVideoSN032_comp.avi", StringComparison.Ordinal));
        Assert.Equal(5, manifest.Skipped.Count);
    }

    [Fact]
    public void A_source_without_the_label_landmark_and_frame_folders_is_refused_naming_them()
    {
        var source = Directory.CreateDirectory(Path.Combine(_dir, "src")).FullName;
        Directory.CreateDirectory(Path.Combine(source, Disfa.LabelsFolder));

        var e = Assert.Throws<BenchmarkSourceException>(() => BenchmarkKinds.Get("disfa").Read(source, []));

        Assert.Contains("Landmark_Points, Frames", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_pool_every_out_of_fold_prediction_and_give_each_fold_and_action_unit_its_own()
    {
        var (_, items) = Import();
        var kind = BenchmarkKinds.Get("disfa");
        var units = Disfa.ActionUnits.Count;
        // Each prediction is the truth plus a fixed offset per unit: MAE is that offset, and ICC below 1.
        var predictions = new float[items.Count * units];
        for (var i = 0; i < items.Count; i++)
        {
            for (var u = 0; u < units; u++)
                predictions[(i * units) + u] = items[i].Values[u] + (0.1f * (u + 1)) - (i % 2 == 0 ? 0 : 0.05f);
        }

        var metrics = kind.Metrics(items, predictions);

        for (var u = 0; u < units; u++)
        {
            var truth = items.Select(i => i.Values[u]).ToArray();
            var predicted = Enumerable.Range(0, items.Count).Select(i => predictions[(i * units) + u]).ToArray();
            Assert.Equal(RegressionMetrics.Icc31(predicted, truth), metrics[$"icc_au{Disfa.ActionUnits[u]:00}"], 12);
            Assert.Equal(RegressionMetrics.Mae(predicted, truth), metrics[$"mae_au{Disfa.ActionUnits[u]:00}"], 12);
        }

        Assert.Equal(Disfa.ActionUnits.Select(au => metrics[$"icc_au{au:00}"]).Average(), metrics["icc"], 12);
        Assert.Equal(Disfa.ActionUnits.Select(au => metrics[$"mae_au{au:00}"]).Average(), metrics["mae"], 12);
        foreach (var fold in kind.Folds)
        {
            var members = Enumerable.Range(0, items.Count).Where(i => items[i].Subsets.Contains(fold)).ToList();
            var maes = Enumerable.Range(0, units).Select(u => RegressionMetrics.Mae(
                members.Select(i => predictions[(i * units) + u]).ToArray(), members.Select(i => items[i].Values[u]).ToArray()));
            Assert.Equal(maes.Average(), metrics[$"mae@{fold}"], 12);
            Assert.True(metrics.ContainsKey($"icc@{fold}"));
        }

        Assert.DoesNotContain(metrics.Keys, k => k.StartsWith("icc_au", StringComparison.Ordinal) && k.Contains('@', StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => kind.Metrics(items, predictions.AsSpan(1)));
    }
}
