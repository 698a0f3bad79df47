using System.Text.RegularExpressions;
using FaceRep.Core.Specs;
using FaceRep.Results.Analysis;
using SkiaSharp;

namespace FaceRep.Reports.Tests;

public sealed partial class ReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_conclusions_state_the_planted_effects_and_call_the_null_inconclusive()
    {
        var report = PlantedStudy.Report();

        var scratch = report.Questions.Single(q => q.Key == "ssl-uncurated-vs-scratch");
        Assert.Equal(Support.Supported, scratch.Evidence.Single(e => e.Task == "landmarks").Support);
        Assert.Equal(Support.Inconclusive, scratch.Evidence.Single(e => e.Task == "emotion").Support);
        Assert.Equal(
            "Supported on landmarks; inconclusive on emotion (hypothesis: self-supervised pre-training on the uncurated set is better than scratch).",
            Wording.Summary(scratch));
        // The sweep has no method on both the uncurated and the curated set but simclr, so that question is answered;
        // supervised exists only on the curated set, so ssl-vs-supervised is answered there alone.
        Assert.Equal(12, report.Questions.Single(q => q.Key == "ssl-vs-supervised").Evidence.Single(e => e.Task == "landmarks").Count);
    }

    [Fact]
    public void Tables_summarise_each_cell_and_ranks_put_the_planted_best_first()
    {
        var report = PlantedStudy.Report();

        var landmarks = report.Sections.Single(s => s.Task == "landmarks");
        Assert.Equal(PlantedStudy.Shots, landmarks.Shots);
        Assert.Equal(5 * 3, landmarks.Cells.Count);
        Assert.All(landmarks.Cells, c => Assert.Equal(4, c.Summary.Count));
        Assert.All(landmarks.Cells, c => Assert.True(c.Interval.Lower <= c.Summary.Mean && c.Summary.Mean <= c.Interval.Upper));
        // Landmarks ranks the planted order; emotion's ranks are noise, so the uncurated source leads on the mean rank.
        Assert.Equal("synth-uncurated/simclr", report.MeanRanks[0].Source);
        Assert.Equal(["synth-uncurated/simclr", "synth-curated/simclr", "synth-curated/supervised", "synth-video/simclr", "scratch"],
            report.Rankings.Where(c => c.Task == "landmarks" && c.Shots == 0.01).Single().Ranks.OrderBy(p => p.Value).Select(p => p.Key));
        Assert.Equal((5, 130, 120, 10), (report.Statistics.Pretrain, report.Statistics.Evaluations, report.Statistics.Results, report.Statistics.Missing));
        Assert.Equal(2 * 5 * 4 / 4, report.Statistics.Retried);   // attempt 2 at seed 3, 100% shots: 2 tasks × 5 sources
        Assert.Equal(60, report.Statistics.DeviceHours, 9);        // 120 results × 1800 s
        Assert.Equal(2, report.Statistics.Devices);
    }

    [Fact]
    public void The_floor_of_each_task_is_shown_beside_the_sources_in_tables_and_charts()
    {
        // The constant predictor's NME, measured with every landmarks result: 0.30 at every shot count.
        var rows = PlantedStudy.Rows().Select(r => r.Task != "landmarks" ? r : r with
        {
            Metrics = new Dictionary<string, double>(r.Metrics) { ["floor_nme_io"] = 0.30 },
        }).ToList();
        var report = PlantedStudy.Report(rows);

        var landmarks = report.Sections.Single(s => s.Task == "landmarks");
        Assert.Equal(PlantedStudy.Shots, landmarks.Floors.Keys.Order());
        Assert.All(landmarks.Floors.Values, f => Assert.Equal(0.30, f, 12));
        Assert.Empty(report.Sections.Single(s => s.Task == "emotion").Floors);
        var files = ReportWriter.Write(report, _dir);
        var markdown = File.ReadAllText(files.Markdown);
        Assert.Matches(@"\| floor: labels alone \| 30\.0+ %? ?\|", markdown.Replace("\u00a0", " ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_ceiling_is_shown_beside_the_sources_and_never_ranked_or_compared_with_them()
    {
        // The sweep's ceiling runs: scratch fine-tuned on all landmarks labels, far better (lower NME) than any source.
        var study = PlantedStudy.Rows();
        var ceiling = Enumerable.Range(0, 4).Select(seed => study.First(r => r.Task == "landmarks" && r.Pretrain == "scratch" && r.Shots == 1.0) with
        {
            JobId = $"ev-ceiling-{seed}",
            Protocol = KnownNames.CeilingProtocol,
            Seed = seed,
            Metrics = new Dictionary<string, double> { ["nme_io"] = 0.05 + (0.01 * seed) },
        }).ToList();
        var without = PlantedStudy.Report(study);
        var report = PlantedStudy.Report([.. study, .. ceiling]);

        var landmarks = report.Sections.Single(s => s.Task == "landmarks");
        Assert.Equal(0.065, landmarks.Ceiling!.Summary.Mean, 12);
        Assert.Equal(4, landmarks.Ceiling.Summary.Count);
        Assert.Null(report.Sections.Single(s => s.Task == "emotion").Ceiling);
        // No section, cell, rank or conclusion of its own: everything else is as without it.
        Assert.Equal(without.Sections.Select(s => (s.Task, s.Protocol)), report.Sections.Select(s => (s.Task, s.Protocol)));
        Assert.DoesNotContain(report.Rankings, c => c.Protocol == KnownNames.CeilingProtocol);
        Assert.Equal(without.MeanRanks, report.MeanRanks);
        Assert.Equal(
            without.Questions.SelectMany(q => q.Evidence).Select(e => (e.Task, e.Count, e.HolmP)),
            report.Questions.SelectMany(q => q.Evidence).Select(e => (e.Task, e.Count, e.HolmP)));

        var markdown = File.ReadAllText(ReportWriter.Write(report, _dir).Markdown).Replace("\u00a0", " ", StringComparison.Ordinal);
        var row = "| ceiling: scratch, all labels, long fine-tuning |" + string.Concat(Enumerable.Repeat(" 6.50 ± 1.29 (n=4) |", PlantedStudy.Shots.Length));
        Assert.Contains(row, markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void The_files_are_written_with_real_charts_and_a_self_contained_page()
    {
        var report = PlantedStudy.Report();
        var files = ReportWriter.Write(report, _dir);

        Assert.Equal(["emotion-linear.png", "landmarks-linear.png"], files.Charts.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var chart in files.Charts)
        {
            using var bitmap = SKBitmap.Decode(chart);
            Assert.Equal((Charts.Width, Charts.Height), (bitmap.Width, bitmap.Height));
            // Five coloured lines, axes and text: far more than a blank canvas's one colour.
            Assert.True(bitmap.Pixels.Distinct().Count() > 50, $"{chart} looks blank");
        }

        var markdown = File.ReadAllText(files.Markdown);
        Assert.Contains("# Sweep planted: results and conclusions", markdown, StringComparison.Ordinal);
        Assert.Contains("![landmarks linear: nme_io against shots](charts/landmarks-linear.png)", markdown, StringComparison.Ordinal);
        Assert.Contains("**Supported on landmarks; inconclusive on emotion", markdown, StringComparison.Ordinal);
        Assert.Contains("```yaml\n" + PlantedStudy.Spec, markdown, StringComparison.Ordinal);   // the spec verbatim
        Assert.Contains("| scratch |", markdown, StringComparison.Ordinal);

        var html = File.ReadAllText(files.Html);
        Assert.Equal(2, ChartImage().Matches(html).Count);
        Assert.DoesNotMatch(ExternalReference(), html);
        Assert.Contains("&lt;script&gt;alert(", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(", html, StringComparison.Ordinal);
        Assert.Contains("hsl(120,70%,78%)", html, StringComparison.Ordinal);   // the best rank's colour
        // Six questions' evidence, the sources against the untrained backbone, two result tables, the ranks and the run statistics.
        Assert.Equal(ReportDocument.Layout(report, charts: false).OfType<Table>().Count(), Regex.Matches(html, "<table ").Count);
        Assert.Equal(6 + 1 + 2 + 1 + 1, Regex.Matches(html, "<table ").Count);
    }

    [Fact]
    public void A_tuned_sweep_is_reported_on_the_learning_rate_chosen_on_validation()
    {
        // Every run twice: lr 0.01 is better on validation, lr 0.001 on test; the report must follow validation.
        var rows = PlantedStudy.Rows().SelectMany(r =>
        {
            var metric = r.Metrics.Keys.Single();
            var lowerBetter = r.Task == "landmarks";
            var test = r.Metrics[metric];
            return new[]
            {
                r with { JobId = r.JobId + "-a", LearningRate = 0.001, Metrics = new Dictionary<string, double> { [metric] = test, ["val_" + metric] = lowerBetter ? 0.9 : 0.1 } },
                r with { JobId = r.JobId + "-b", LearningRate = 0.01, Metrics = new Dictionary<string, double> { [metric] = test + (lowerBetter ? 1 : -1), ["val_" + metric] = lowerBetter ? 0.1 : 0.9 } },
            };
        }).ToList();

        var report = PlantedStudy.Report(rows);

        Assert.Equal(120, report.Tuning.Choices.Count);
        Assert.All(report.Tuning.Choices, c => Assert.Equal(0.01, c.Chosen));
        var cell = report.Sections.Single(s => s.Task == "landmarks").Cell("scratch", 0.01)!;
        var chosen = rows.Where(r => r.Task == "landmarks" && r.Pretrain == "scratch" && r.Shots == 0.01 && r.LearningRate == 0.01).Average(r => r.Metrics["nme_io"]);
        Assert.Equal(chosen, cell.Summary.Mean, 12);
        var markdown = ReportWriter.Markdown(ReportDocument.Layout(report, charts: false));
        Assert.Contains("## Learning-rate selection", markdown, StringComparison.Ordinal);
        Assert.Contains("120 cells (source, task, protocol, shots, seed) ran 2 learning rates each (0.001, 0.01)", markdown, StringComparison.Ordinal);
        Assert.Contains("| landmarks | linear | 1% | 0 of 20 | 20 of 20 |", markdown, StringComparison.Ordinal);   // 5 sources × 4 seeds
    }

    [GeneratedRegex("<img class=\"chart\"[^>]*src=\"data:image/png;base64,[A-Za-z0-9+/=]{1000,}\"")]
    private static partial Regex ChartImage();

    [GeneratedRegex("(src|href)=\"(https?:|//|file:)|<link ")]
    private static partial Regex ExternalReference();
}
