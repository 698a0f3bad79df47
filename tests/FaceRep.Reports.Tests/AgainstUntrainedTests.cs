namespace FaceRep.Reports.Tests;

/// <summary>The report's per-source, per-task verdict against the untrained backbone (scratch).</summary>
public sealed class AgainstUntrainedTests
{
    [Fact]
    public void A_source_with_a_planted_gain_is_better_in_every_cell_of_that_task_and_indistinguishable_where_nothing_was_planted()
    {
        var report = PlantedStudy.Report();

        var uncurated = Assert.Single(report.Untrained, a => a.Source == "synth-uncurated/simclr");
        var landmarks = Assert.Single(uncurated.Tasks, t => t.Task == "landmarks");
        var emotion = Assert.Single(uncurated.Tasks, t => t.Task == "emotion");

        Assert.Equal((3, 0, 0, 0), (landmarks.Better, landmarks.Worse, landmarks.Indistinguishable, landmarks.Untestable));
        Assert.Equal((0, 0, 3, 0), (emotion.Better, emotion.Worse, emotion.Indistinguishable, emotion.Untestable));
        Assert.DoesNotContain(report.Untrained, a => a.Source == "scratch");
        Assert.Equal(PlantedStudy.Sources.Length - 1, report.Untrained.Count);
        var markdown = ReportWriter.Markdown(ReportDocument.Layout(report, charts: false));
        Assert.Contains("## Against the untrained backbone", markdown, StringComparison.Ordinal);
        Assert.Contains("| synth-uncurated/simclr | better 3 · worse 0 · indistinguishable 0 (of 3) | better 0 · worse 0 · indistinguishable 3 (of 3) |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_seeds_give_no_verdict_and_a_sweep_without_scratch_has_no_such_section()
    {
        var twoSeeds = PlantedStudy.Report(PlantedStudy.Rows(seeds: 2));
        var noScratch = PlantedStudy.Report(PlantedStudy.Rows().Where(r => r.Pretrain != "scratch").ToList());

        Assert.All(twoSeeds.Untrained.SelectMany(a => a.Tasks), t => Assert.Equal(t.Cells, t.Untestable));
        Assert.Contains("untestable (3 of 3 cells under 3 seeds)", ReportWriter.Markdown(ReportDocument.Layout(twoSeeds, charts: false)), StringComparison.Ordinal);
        Assert.Empty(noScratch.Untrained);
        Assert.DoesNotContain("Against the untrained backbone", ReportWriter.Markdown(ReportDocument.Layout(noScratch, charts: false)), StringComparison.Ordinal);
    }
}
