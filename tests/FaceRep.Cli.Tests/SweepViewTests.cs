using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using Spectre.Console;

namespace FaceRep.Cli.Tests;

/// <summary>What <c>sweep watch</c> (and run and demo) show of a sweep's running jobs.</summary>
public sealed class SweepViewTests
{
    private static readonly SweepStatus Status = new("live", 3, 0, 1, 2, 0, 0, 0, DateTime.UtcNow.AddMinutes(-1), null);

    private static SweepProgress Progress(params RunningJob[] running) =>
        new(Status, [new StageProgress(JobKind.Pretrain, 2, 0, 0, 2, 0, 0), new StageProgress(JobKind.Evaluate, 1, 0, 1, 0, 0, 0)], []) { Running = running };

    private static string Rendered(SweepProgress progress)
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        console.Profile.Width = 160;
        console.Write(SweepView.Render(progress, null, DateTime.UtcNow));
        return text.ToString();
    }

    [Fact]
    public void Each_running_job_shows_its_step_loss_speed_and_knn_and_one_that_has_not_reported_says_so()
    {
        var reported = new RunningJob("pt-0123456789abcdef", JobKind.Pretrain, "127.0.0.1:1@1/cpu0",
            new LiveProgress(CurvePhases.Pretrain, 40, 128, 3.91234, 1230.4, 0.095, DateTime.UtcNow, 32));
        var starting = new RunningJob("pt-fedcba9876543210", JobKind.Pretrain, "127.0.0.1:1@1/cpu1", null);

        var view = Rendered(Progress(reported, starting));

        var line = view.Split('\n').Single(l => l.Contains("pt-012345678", StringComparison.Ordinal));
        Assert.Contains("cpu0", line, StringComparison.Ordinal);
        Assert.Contains("40/128", line, StringComparison.Ordinal);
        Assert.Contains("3.912", line, StringComparison.Ordinal);
        Assert.Contains("1,230", line, StringComparison.Ordinal);
        Assert.Contains("9.5", line, StringComparison.Ordinal);
        Assert.Contains("starting", view.Split('\n').Single(l => l.Contains("pt-fedcba987", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal(
            "pre-training job pt-0123456789abcdef on cpu0: step 40/128 · loss 3.912 · 1,230 images/s · k-NN 9.5 %",
            SweepView.RunningLine(reported));
    }

    [Fact]
    public void A_sweep_with_nothing_running_shows_no_running_table()
    {
        Assert.DoesNotContain("running\n", Rendered(Progress()).Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("images/s", Rendered(Progress()), StringComparison.Ordinal);
    }
}
