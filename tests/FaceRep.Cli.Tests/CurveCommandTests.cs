using System.Globalization;

namespace FaceRep.Cli.Tests;

/// <summary><c>facerep results curves</c> on a finished embedded run, through the real executable.</summary>
[Collection(ProcessCollection.Name)]
public sealed class CurveCommandTests(FinishedRunFixture run) : IClassFixture<FinishedRunFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private sealed record Point(string Job, string What, string Phase, long Step, long Total, double? Loss, double? Knn);

    private static double? Value(string text) => text.Length == 0 ? null : double.Parse(text, CultureInfo.InvariantCulture);

    private async Task<List<Point>> PointsAsync()
    {
        var file = Path.Combine(run.Directory, $"curves-{Guid.NewGuid():N}.csv");
        var (code, output) = await FacerepProcess.RunAsync(run.Directory, Timeout, "results", "curves", "--out", "good", "--format", "csv", "--output", file);
        Assert.True(code == 0, output);
        var lines = await File.ReadAllLinesAsync(file);
        Assert.Equal("job_id,what,phase,step,total_steps,loss,lr,images_per_s,knn,seconds", lines[0]);
        return lines.Skip(1).Select(l => l.Split(',')).Select(f => new Point(f[0], f[1], f[2], long.Parse(f[3], CultureInfo.InvariantCulture),
            long.Parse(f[4], CultureInfo.InvariantCulture), Value(f[5]), Value(f[8]))).ToList();
    }

    [Fact]
    public async Task A_run_keeps_its_pretrainings_curve_from_the_untrained_backbones_knn_to_the_last_step_and_each_evaluations_head_curve()
    {
        var points = await PointsAsync();

        // simclr: 64 images at batch 32 for one epoch, 2 steps; scratch does not train and keeps no curve.
        var pretraining = points.Where(p => p.Job.StartsWith("pt-", StringComparison.Ordinal)).ToList();
        Assert.Equal([0L, 1L, 2L], pretraining.Select(p => p.Step));
        Assert.All(pretraining, p => Assert.Equal(("synth-curated/simclr", "pretrain", 2L), (p.What, p.Phase, p.Total)));
        Assert.True(pretraining[0].Knn is >= 0 and <= 1 && pretraining[^1].Knn is >= 0 and <= 1, "k-NN measured before the first step and after the last");
        Assert.Null(pretraining[0].Loss);
        Assert.All(pretraining.Skip(1), p => Assert.True(p.Loss is { } l && double.IsFinite(l), $"{p}"));
        // Both evaluations (of scratch and of simclr) fine-tuned for 10 steps.
        var evaluations = points.Where(p => p.Job.StartsWith("ev-", StringComparison.Ordinal)).GroupBy(p => p.Job).ToList();
        Assert.Equal(2, evaluations.Count);
        Assert.All(evaluations, e => Assert.Equal(Enumerable.Range(0, 11).Select(i => (long)i), e.Select(p => p.Step)));
        Assert.All(evaluations.SelectMany(e => e), p => Assert.Equal("head", p.Phase));
        Assert.Contains(evaluations, e => e.First().What.StartsWith("scratch · landmarks finetune", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_table_gives_one_line_per_job_and_a_filter_keeps_only_the_jobs_asked_for()
    {
        var points = await PointsAsync();
        var pretraining = points.First(p => p.Job.StartsWith("pt-", StringComparison.Ordinal)).Job;

        var (code, output) = await FacerepProcess.RunAsync(run.Directory, Timeout, "results", "curves", "--out", "good", "--job", pretraining[..8]);
        var (badCode, badOutput) = await FacerepProcess.RunAsync(run.Directory, Timeout, "results", "curves", "--out", "good", "--format", "xml");

        Assert.True(code == 0, output);
        Assert.Contains(pretraining, output, StringComparison.Ordinal);
        Assert.Contains("k-NN untrained", output, StringComparison.Ordinal);
        Assert.DoesNotContain("ev-", output, StringComparison.Ordinal);
        Assert.Equal(2, badCode);
        Assert.Contains("error: --format 'xml' is not one of table, csv", badOutput, StringComparison.Ordinal);
    }
}
