using FaceRep.Core.Experiments;
using FaceRep.Training.Monitoring;

namespace FaceRep.Training.Tests.Monitoring;

public sealed class CurveRecorderTests
{
    private static List<CurvePoint> Run(long total, Func<long, double> loss, List<long>? measuredAfter = null)
    {
        var recorder = new CurveRecorder(CurvePhases.Pretrain, total, imagesPerStep: 32);
        recorder.Start(knn: 0.04);
        for (long step = 0; step < total; step++)
            recorder.Step(step, loss(step), learningRate: 1.0 / (step + 1), () => { measuredAfter?.Add(step); return 0.5; });
        return [.. recorder.Points];
    }

    [Fact]
    public void A_short_run_keeps_every_step_and_measures_knn_at_the_start_eight_times_and_after_the_last_step()
    {
        var measured = new List<long>();

        var points = Run(60, step => step, measured);

        Assert.Equal(61, points.Count);
        Assert.Equal(Enumerable.Range(0, 61).Select(i => (long)i), points.Select(p => p.Step));
        Assert.Equal((null, null, null, 0.04), (points[0].Loss, points[0].LearningRate, points[0].ImagesPerSecond, points[0].KnnAccuracy));
        Assert.Equal(17.0, points[18].Loss);
        Assert.Equal(1.0 / 18, points[18].LearningRate);
        // Every 8th step (60 steps in 60 points: 8 points apart) and the last.
        Assert.Equal([7, 15, 23, 31, 39, 47, 55, 59], measured);
        Assert.Equal(measured.Select(s => s + 1), points.Where(p => p.KnnAccuracy is not null).Skip(1).Select(p => p.Step));
        // Images per second where the clock saw time pass (these steps take next to none); time never runs back.
        Assert.All(points.Skip(1), p => Assert.True(p.ImagesPerSecond is null or > 0, $"{p}"));
        Assert.Equal(points.Select(p => p.Seconds).Order(), points.Select(p => p.Seconds));
        Assert.All(points, p => Assert.Equal((CurvePhases.Pretrain, 60L), (p.Phase, p.TotalSteps)));
    }

    [Fact]
    public void A_long_run_keeps_a_curve_of_the_same_size_each_point_the_mean_of_its_steps()
    {
        var measured = new List<long>();

        var points = Run(400_000, step => step, measured);

        Assert.Equal(201, points.Count);
        // 2,000 steps a point: the first holds steps 0..1999, whose mean is 999.5.
        Assert.Equal(2_000, points[1].Step);
        Assert.Equal(999.5, points[1].Loss);
        Assert.Equal(400_000, points[^1].Step);
        Assert.Equal(399_999 - 999.5, points[^1].Loss);
        Assert.Equal(8, measured.Count);
        Assert.Equal(399_999, measured[^1]);
    }

    [Fact]
    public void Steps_that_do_not_divide_evenly_still_end_with_a_point_after_the_last_step()
    {
        var points = Run(401, _ => 1.0);

        Assert.Equal(401, points[^1].Step);
        Assert.True(points.Count <= CurveRecorder.MaxPoints + 2, $"{points.Count} points");
        Assert.All(points.Skip(1), p => Assert.Equal(1.0, p.Loss));
    }

    [Fact]
    public void A_run_without_a_start_point_gets_one_and_does_not_claim_a_speed_for_the_step_the_clock_missed()
    {
        var recorder = new CurveRecorder(CurvePhases.Head, 3, imagesPerStep: 8);

        var first = recorder.Step(0, 2.0, 0.1);
        Thread.Sleep(5);
        var second = recorder.Step(1, 1.0, 0.1);

        Assert.Equal(3, recorder.Points.Count);
        Assert.Null(recorder.Points[0].Loss);
        Assert.Null(first!.ImagesPerSecond);
        Assert.True(second!.ImagesPerSecond is > 0 and < 8 / 0.004, $"{second.ImagesPerSecond} images/s for 8 images in at least 5 ms");
        Assert.Null(first.KnnAccuracy);
    }
}
