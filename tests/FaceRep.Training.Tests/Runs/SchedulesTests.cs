using FaceRep.Training.Runs;

namespace FaceRep.Training.Tests.Runs;

public sealed class SchedulesTests
{
    [Fact]
    public void Warm_up_rises_linearly_from_the_start_to_the_peak()
    {
        // 4 warm-up steps from 0.3 to 4.8: 0.3 + 4.5·(k + 1)/4.
        Assert.Equal(1.425, Schedules.WarmupCosine(0, 100, 4, 0.3, 4.8, 0.0048), 10);
        Assert.Equal(3.675, Schedules.WarmupCosine(2, 100, 4, 0.3, 4.8, 0.0048), 10);
        Assert.Equal(4.8, Schedules.WarmupCosine(3, 100, 4, 0.3, 4.8, 0.0048), 10);
    }

    [Fact]
    public void Cosine_decay_runs_from_the_peak_to_the_final_rate()
    {
        // After 4 warm-up steps, 96 decay steps: halfway (step 52) is the mean of peak and final.
        Assert.Equal(4.8, Schedules.WarmupCosine(4, 100, 4, 0.3, 4.8, 0.0048), 10);
        Assert.Equal((4.8 + 0.0048) / 2, Schedules.WarmupCosine(52, 100, 4, 0.3, 4.8, 0.0048), 10);
        Assert.Equal(0.0048, Schedules.WarmupCosine(100, 100, 4, 0.3, 4.8, 0.0048), 10);
        Assert.Equal(0.0048, Schedules.WarmupCosine(500, 100, 4, 0.3, 4.8, 0.0048), 10);
    }

    [Fact]
    public void The_factor_form_keeps_its_meaning()
    {
        // 10 steps, 10% warm-up = 1 step at full rate, then cosine to zero over 9 steps.
        Assert.Equal(1, Schedules.Factor(0, 10, 0.1), 10);
        Assert.Equal(0.5 * (1 + Math.Cos(Math.PI * 4 / 9)), Schedules.Factor(5, 10, 0.1), 10);
    }
}
