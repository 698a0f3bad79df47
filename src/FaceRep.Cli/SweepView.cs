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
