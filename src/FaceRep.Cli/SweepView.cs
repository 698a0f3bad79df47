using System.Globalization;
using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary>How a sweep's progress is shown.</summary>
internal static class SweepView
{
    private const int BarWidth = 32;

    /// <summary>A sweep's state in a word.</summary>
    public static string State(SweepStatus s) =>
        s.IsCancelled ? "[yellow]cancelled[/]"
        : s.IsComplete ? (s.Failed > 0 ? "[red]finished with failures[/]" : "[green]complete[/]")
        : s.Running > 0 ? "running"
        : "queued";

    /// <summary>One line: done of total, by state, and the ETA.</summary>
    public static string Line(SweepProgress p, TimeSpan? eta)
    {
        var s = p.Status;
        var failed = s.Failed > 0 ? $"[red]{s.Failed} failed[/]" : "0 failed";
        var stages = string.Join(" · ", p.Stages.Select(st => $"{StageName(st.Kind)} {st.Done}/{st.Total}"));
        return $"{s.Succeeded + s.Failed}/{s.Total} done · {s.Running} running · {s.Ready} ready · {s.Waiting} waiting · {failed} · {stages} · ETA {Eta(s, eta)}";
    }

    /// <summary>The full view: a header, a bar and counts per stage, the latest failures.</summary>
    /// <param name="p">The progress.</param>
    /// <param name="eta">Time left at the observed pace, if known.</param>
    /// <param name="now">The time now.</param>
    /// <param name="note">A line under the view (a lost connection), if any.</param>
    /// <param name="width">The console's width: the bars shrink to fit a narrow terminal.</param>
    public static Spectre.Console.Rendering.IRenderable Render(SweepProgress p, TimeSpan? eta, DateTime now, string? note = null, int width = 120)
    {
        var barWidth = Math.Clamp(width - 88, 8, BarWidth);
        var s = p.Status;
        var elapsed = s.SubmittedUtc is { } submitted ? Duration((s.CompletedUtc ?? now) - submitted) : "–";
        var header = new Markup(string.Create(CultureInfo.InvariantCulture,
            $"[bold]Sweep {Markup.Escape(s.Name)}[/] · {State(s)} · {s.Succeeded + s.Failed}/{s.Total} done · elapsed {elapsed} · ETA {Eta(s, eta)}"));
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("stage").AddColumn("progress").AddColumn(new TableColumn("done").RightAligned())
            .AddColumn(new TableColumn("running").RightAligned()).AddColumn(new TableColumn("ready").RightAligned())
            .AddColumn(new TableColumn("waiting").RightAligned()).AddColumn(new TableColumn("succeeded").RightAligned())
            .AddColumn(new TableColumn("failed").RightAligned());
        foreach (var st in p.Stages)
        {
            table.AddRow(StageName(st.Kind), Bar(st, barWidth), $"{st.Done}/{st.Total}", $"{st.Running}", $"{st.Ready}", $"{st.Waiting}",
                $"[green]{st.Succeeded}[/]", st.Failed > 0 ? $"[red]{st.Failed}[/]" : "0");
        }

        var rows = new List<Spectre.Console.Rendering.IRenderable> { header, table };
        if (p.Running.Count > 0)
        {
            var running = new Table().Border(TableBorder.Simple).Title("running")
                .AddColumn("job").AddColumn("stage").AddColumn("device").AddColumn(new TableColumn("step").RightAligned())
                .AddColumn(new TableColumn("loss").RightAligned()).AddColumn(new TableColumn("images/s").RightAligned())
                .AddColumn(new TableColumn("k-NN").RightAligned());
            foreach (var job in p.Running.Take(MaxRunningShown))
            {
                var (step, loss, rate, knn) = Cells(job.Progress);
                running.AddRow(Markup.Escape(job.JobId[..Math.Min(12, job.JobId.Length)]), StageName(job.Kind), Markup.Escape(Device(job.Worker)), step, loss, rate, knn);
            }

            if (p.Running.Count > MaxRunningShown)
                running.Caption($"and {p.Running.Count - MaxRunningShown} more");
            rows.Add(running);
        }

        if (p.Failures.Count > 0)
        {
            var failures = new Table().Border(TableBorder.Simple).Title("[red]latest failures[/]")
                .AddColumns("finished (UTC)", "stage", "job", "kind", "error");
            foreach (var f in p.Failures)
            {
                failures.AddRow(f.FinishedUtc?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "–", StageName(f.Kind), Markup.Escape(f.JobId[..Math.Min(12, f.JobId.Length)]),
                    f.Failure?.ToString() ?? "?", Markup.Escape(Truncate(f.Error ?? "", 90)));
            }

            rows.Add(failures);
        }

        if (note is not null)
            rows.Add(new Markup($"[yellow]{Markup.Escape(note)}…[/]"));
        return new Rows(rows);
    }

    private const int MaxRunningShown = 8;

    /// <summary>A running job in a line: its step, loss, speed and k-NN accuracy (for a redirected watch).</summary>
    public static string RunningLine(RunningJob job)
    {
        var (step, loss, rate, knn) = Cells(job.Progress);
        return $"{StageName(job.Kind)} job {Markup.Escape(job.JobId)} on {Markup.Escape(Device(job.Worker))}: step {step} · loss {loss} · {rate} images/s · k-NN {knn}";
    }

    private static (string Step, string Loss, string Rate, string Knn) Cells(LiveProgress? p) => p is null
        ? ("starting", "–", "–", "–")
        : (string.Create(CultureInfo.InvariantCulture, $"{p.Step}/{p.TotalSteps}"),
            p.Loss is { } l ? l.ToString("G4", CultureInfo.InvariantCulture) : "–",
            p.ImagesPerSecond is { } r ? r.ToString("N0", CultureInfo.InvariantCulture) : "–",
            p.KnnAccuracy is { } k ? k.ToString("P1", CultureInfo.InvariantCulture) : "–");

    /// <summary>The device part of a worker key ({silo}/{device}).</summary>
    private static string Device(string? worker) => WorkerKey.TryParse(worker, out var key) ? key.Device : worker ?? "–";

    private static string StageName(JobKind kind) => kind == JobKind.Pretrain ? "pre-training" : "evaluation";

    private static string Bar(StageProgress st, int width)
    {
        if (st.Total == 0)
            return "";
        int Cells(int n) => (int)Math.Round(n * (double)width / st.Total);
        var ok = Cells(st.Succeeded);
        var bad = Math.Min(width - ok, Cells(st.Failed));
        var running = Math.Min(width - ok - bad, Cells(st.Running));
        var rest = width - ok - bad - running;
        var percent = 100.0 * st.Done / st.Total;
        return string.Create(CultureInfo.InvariantCulture,
            $"[green]{new string('█', ok)}[/][red]{new string('█', bad)}[/][yellow]{new string('▒', running)}[/][grey]{new string('░', rest)}[/] {percent,5:0.0}%");
    }

    private static string Eta(SweepStatus s, TimeSpan? eta) =>
        s.IsComplete ? "done" : s.IsCancelled ? "–" : eta is { } e ? Duration(e) : "measuring";

    private static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:00}s" : $"{Math.Max(0, t.Seconds)}s";

    private static string Truncate(string text, int length)
    {
        var line = text.Split('\n')[0];
        return line.Length <= length ? line : line[..(length - 1)] + "…";
    }
}
