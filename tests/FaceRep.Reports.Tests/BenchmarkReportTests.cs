using FaceRep.Core.Metrics;
using FaceRep.Results.Store;

namespace FaceRep.Reports.Tests;

/// <summary>A sweep's benchmark results in its report: a section per benchmark, per subset, beside SynthFace's and never ranked with them.</summary>
public sealed class BenchmarkReportTests
{
    private static ResultRow Row(string source, string task, string benchmark, string kind, int seed, IReadOnlyDictionary<string, double> metrics) => new()
    {
        JobId = $"ev-{source}-{task}-{benchmark}-{seed}",
        PretrainId = $"pt-{source}",
        Pretrain = source,
        PretrainDataset = source == "scratch" ? null : "synth-curated",
        PretrainMethod = source == "scratch" ? "scratch" : "simclr",
        Backbone = "resnet18",
        Width = 0.25,
        Input = 64,
        Task = task,
        Protocol = "finetune",
        Shots = 0.5,
        Seed = seed,
        Benchmark = benchmark,
        BenchmarkContent = benchmark.Length == 0 ? "" : new string('c', 64),
        BenchmarkKind = kind,
        Metrics = metrics,
        DurationSeconds = 10,
        FinishedUtc = DateTimeOffset.UnixEpoch.AddSeconds(seed),
        Device = "silo/cpu0",
        Attempt = 1,
        Versions = "facerep 1.0",
    };

    [Fact]
    public void Each_benchmark_has_a_section_of_its_official_metrics_per_subset_with_floors_and_the_papers_figures()
    {
        var rows = new List<ResultRow>();
        foreach (var seed in new[] { 0, 1 })
        {
            foreach (var source in new[] { "scratch", "synth-curated/simclr" })
            {
                var gain = source == "scratch" ? 0 : 0.1;
                rows.Add(Row(source, "emotion", "affectnet-v1", "affectnet", seed, new Dictionary<string, double>
                {
                    ["accuracy"] = 0.3 + gain + (seed * 0.02),
                    ["valence_ccc"] = 0.2 + gain,
                    ["arousal_rmse"] = 0.4 - gain,
                    ["floor_accuracy"] = 0.125,
                    ["val_accuracy"] = 0.9,
                    ["train_loss"] = 1,
                    ["test_images"] = 100,
                }));
                rows.Add(Row(source, "landmarks", "300w", "300w", seed, new Dictionary<string, double>
                {
                    ["nme_io"] = 0.08 - gain / 10,
                    ["nme_io@common"] = 0.07 - gain / 10,
                    ["nme_io@challenging"] = 0.12 - gain / 10,
                    ["fr_10"] = 0.1,
                    ["auc_10"] = 0.3,
                }));
                rows.Add(Row(source, "emotion", "", "", seed, new Dictionary<string, double> { ["accuracy"] = 0.9 }));
            }
        }

        var report = SweepReport.Build("bench", rows, (2, rows.Count), "a test store", null, 0.05, DateTimeOffset.UnixEpoch);
        var markdown = ReportWriter.Markdown(ReportDocument.Layout(report, charts: false));

        Assert.Equal(["emotion on affectnet-v1 (affectnet)", "landmarks on 300w"], report.Benchmarks.Select(b => b.Scope));
        var affectnet = report.Benchmarks[0];
        Assert.Equal("accuracy", affectnet.Metrics[0].Name);
        Assert.DoesNotContain(affectnet.Metrics, m => m.Name is "val_accuracy" or "train_loss" or "test_images" or "floor_accuracy");
        var simclr = Assert.Single(affectnet.Rows, r => r.Source == "synth-curated/simclr");
        Assert.Equal((2, 0.41), (simclr.Values["accuracy"].Count, Math.Round(simclr.Values["accuracy"].Mean, 12)));
        Assert.Equal(0.125, Assert.Single(affectnet.Rows, r => r.Source == "floor: labels alone").Values["accuracy"].Mean);
        var published = Assert.Single(affectnet.Rows, r => r.Source.StartsWith("published", StringComparison.Ordinal));
        Assert.Equal((0.710, null), (published.Values["valence_ccc"].Mean, published.Shots));
        Assert.False(published.Values.ContainsKey("accuracy"), "the paper publishes no AffectNet accuracy");
        // 300W: the whole split and both subsets, and no published figure (the paper reports none for it).
        Assert.Equal(["full", "challenging", "common"], report.Benchmarks[1].Rows.Where(r => r.Source == "scratch").Select(r => r.Subset));
        Assert.DoesNotContain(report.Benchmarks[1].Rows, r => r.Source.StartsWith("published", StringComparison.Ordinal));
        Assert.Contains("### emotion on affectnet-v1 (affectnet) · finetune", markdown, StringComparison.Ordinal);
        Assert.Contains("| published: the paper (full data, ResNet-50 from VGGFace2) |  | full | — | 0.326 | 0.710 |", markdown, StringComparison.Ordinal);
        // The sections by task keep SynthFace's emotion and AffectNet's apart.
        Assert.Contains(report.Sections, s => s.Task == "emotion");
        Assert.Contains(report.Sections, s => s.Task == "emotion on affectnet-v1 (affectnet)");
        Assert.All(report.Rankings, r => Assert.True(r.Task is "emotion" or "emotion on affectnet-v1 (affectnet)" or "landmarks on 300w", r.Task));
        Assert.Equal(MetricDefinitions.Accuracy, MetricDefinitions.ForTask("emotion on affectnet-v1 (affectnet)")[0]);
    }

    [Fact]
    public void A_cross_validated_benchmark_shows_its_folds_in_the_table_and_each_action_unit_in_a_table_of_its_own()
    {
        var rows = new List<ResultRow>();
        foreach (var seed in new[] { 0, 1 })
        {
            var metrics = new Dictionary<string, double>
            {
                ["icc"] = 0.3 + (seed * 0.1),
                ["mae"] = 0.5,
                ["icc@fold1"] = 0.2,
                ["mae@fold1"] = 0.6,
                ["floor_mae"] = 0.7,
            };
            foreach (var au in MetricDefinitions.DisfaActionUnits)
            {
                metrics[$"icc_au{au:00}"] = au / 100.0;
                metrics[$"mae_au{au:00}"] = 0.4 + seed;
            }

            rows.Add(Row("scratch", "au", "disfa", "disfa", seed, metrics));
        }

        var report = SweepReport.Build("bench", rows, (1, rows.Count), "a test store", null, 0.05, DateTimeOffset.UnixEpoch);
        var markdown = ReportWriter.Markdown(ReportDocument.Layout(report, charts: false));

        var section = Assert.Single(report.Benchmarks);
        // The main table: the means, per fold; no per-unit column.
        Assert.Equal(["icc", "mae"], section.Metrics.Select(m => m.Name));
        Assert.Equal(["full", "fold1"], section.Rows.Where(r => r.Source == "scratch").Select(r => r.Subset));
        // The unit table: a row per action unit, its ICC and MAE over the seeds.
        Assert.Equal(["icc", "mae"], section.UnitMetrics.Select(m => m.Name));
        Assert.Equal(MetricDefinitions.DisfaActionUnits.Select(au => $"AU{au}"), section.UnitRows.Select(r => r.Subset));
        var au26 = section.UnitRows.Single(r => r.Subset == "AU26");
        Assert.Equal((0.26, 0.9, 2), (au26.Values["icc"].Mean, Math.Round(au26.Values["mae"].Mean, 12), au26.Values["mae"].Count));
        Assert.Contains("| scratch | 50% | AU26 | 0.260 ± 0.000 (n=2) | 0.900 ± 0.707 (n=2) |", markdown, StringComparison.Ordinal);
    }
}
