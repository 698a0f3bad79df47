using FaceRep.Core.Experiments;
using FaceRep.Results.Store;

namespace FaceRep.Reports.Tests;

/// <summary>The report's training curves: matched to their sources and tasks, tabulated and charted.</summary>
public sealed class CurveReportTests
{
    private static CurvePoint Pretrain(long step, double? loss, double? knn) => new(CurvePhases.Pretrain, step, 40, loss, loss is null ? null : 1e-3, loss is null ? null : 500, knn, step);

    private static JobCurve SourceCurve(string source, double knnEnd) => new($"pt-{source}",
    [
        Pretrain(0, null, 0.04), Pretrain(20, 5.0, null), Pretrain(40, 4.0, knnEnd),
    ]);

    private static JobCurve HeadCurve(string job, double last) => new(job,
    [
        new CurvePoint(CurvePhases.Head, 0, 2, null, null, null, null, 0),
        new CurvePoint(CurvePhases.Head, 1, 2, 1.0, 0.1, 64, null, 1),
        new CurvePoint(CurvePhases.Head, 2, 2, last, 0.1, 64, null, 2),
    ]);

    [Fact]
    public void Curves_are_matched_to_their_sources_and_a_tasks_head_loss_is_the_mean_over_its_evaluations()
    {
        var rows = PlantedStudy.Rows();
        var landmarks = rows.Where(r => r.Task == "landmarks" && r.Pretrain == "synth-curated/simclr").Take(2).ToList();
        JobCurve[] curves =
        [
            SourceCurve("synth-curated/simclr", 0.12), SourceCurve("synth-uncurated/simclr", 0.05), new JobCurve("pt-not-in-this-sweep", [Pretrain(0, null, 0.5)]),
            HeadCurve(landmarks[0].JobId, 0.5), HeadCurve(landmarks[1].JobId, 0.3),
        ];

        var found = TrainingCurves.Of(curves, rows);

        Assert.Equal(["synth-curated/simclr", "synth-uncurated/simclr"], found.Pretraining.Select(c => c.Source));
        var curated = found.Pretraining[0];
        Assert.Equal((0.04, 0.12, 5.0, 4.0), (curated.KnnStart!.Value, curated.KnnEnd!.Value, curated.LossFirst!.Value, curated.LossLast!.Value));
        var head = Assert.Single(found.Heads);
        Assert.Equal(("landmarks", "linear", "synth-curated/simclr", 2), (head.Task, head.Protocol, head.Source, head.Evaluations));
        Assert.Equal([1L, 2L], head.Steps);
        Assert.Equal(1.0, head.Loss[0], 12);
        Assert.Equal(0.4, head.Loss[1], 12);
    }

    [Fact]
    public void The_report_tabulates_each_sources_knn_from_the_untrained_backbone_and_charts_the_curves()
    {
        var rows = PlantedStudy.Rows();
        var report = PlantedStudy.Report(rows) with
        {
            Curves = TrainingCurves.Of([SourceCurve("synth-curated/simclr", 0.12), HeadCurve(rows[0].JobId, 0.5)], rows),
        };

        var blocks = ReportDocument.Layout(report);
        var markdown = ReportWriter.Markdown(blocks);

        Assert.Contains("| synth-curated/simclr | 40 | 5 | 4 | 4.0% | 12.0% | 3.00× |", markdown, StringComparison.Ordinal);
        var charts = blocks.OfType<Chart>().Select(c => c.File).ToList();
        Assert.Contains("pretraining-loss.png", charts);
        Assert.Contains("pretraining-knn.png", charts);
        Assert.Contains($"head-loss-{rows[0].Task}-{rows[0].Protocol}.png", charts);
        Assert.All(blocks.OfType<Chart>(), c => Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], c.Png.Take(4)));
    }

    [Fact]
    public void A_report_without_curves_has_no_curves_section()
    {
        var markdown = ReportWriter.Markdown(ReportDocument.Layout(PlantedStudy.Report(), charts: false));

        Assert.DoesNotContain("Training curves", markdown, StringComparison.Ordinal);
    }
}
