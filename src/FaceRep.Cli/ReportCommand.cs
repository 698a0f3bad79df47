using System.CommandLine;
using FaceRep.Reports;
using FaceRep.Results.Analysis;
using FaceRep.Results.Store;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary><c>facerep report SWEEP --out DIR</c>: a sweep's conclusions, tables and charts as report.md and report.html.</summary>
public static class ReportCommand
{
    /// <summary>The <c>report</c> verb.</summary>
    public static Command Create()
    {
        var sweep = new Argument<string>("sweep") { Description = "The sweep's name (as in its spec)." };
        var output = new Option<string?>("--out") { Description = "Directory to write report.md, report.html and charts/ into (default: RUN/reports/SWEEP)." };
        var alpha = ResultsCommands.AlphaOption("Family-wise error level of each question's Holm-corrected tests.");
        var store = new StoreOptions("--run");
        var command = new Command("report", "Write a sweep's report: conclusions with their evidence, metric-against-shots charts, ranks, run statistics and spec.")
        {
            sweep, output, alpha, store.Out, store.Postgres,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            if (ResultsCommands.Level(result, alpha, console) is not { } level)
                return ExitCodes.BadInput;

            var name = result.GetValue(sweep)!;
            var run = result.GetValue(store.Out)!;
            var postgres = result.GetValue(store.Postgres) ?? Environment.GetEnvironmentVariable("FACEREP_POSTGRES");
            var source = string.IsNullOrWhiteSpace(postgres) ? Path.GetFullPath(run) : "the PostgreSQL result store";
            var (built, exit) = await store.ReadAsync(result, console, async opened => new Built(await BuildAsync(opened, name, source, level, cancellationToken)), cancellationToken);
            if (built is null)
                return exit;
            if (built.Report is not { } report)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {source} has no results or record of a sweep named '{name}'");
                return ExitCodes.BadInput;
            }

            var directory = result.GetValue(output) ?? Path.Combine(run, "reports", name);
            ReportFiles files;
            try
            {
                files = ReportWriter.Write(report, directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                console.MarkupLineInterpolated($"[red]error:[/] cannot write the report to {directory}: {e.Message}");
                return ExitCodes.BadInput;
            }

            PrintSummary(console, report, files);
            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed record Built(SweepReport? Report);

    /// <summary>Builds a sweep's report from a store, or null when the store knows nothing of the sweep.</summary>
    public static async Task<SweepReport?> BuildAsync(IResultStore store, string sweep, string source, double alpha, CancellationToken cancellationToken)
    {
        var record = await store.ReadSweepAsync(sweep, cancellationToken);
        var rows = await store.ReadAsync(sweep, cancellationToken);
        if (record is null && rows.Count == 0)
            return null;
        // Every result is an evaluation of the sweep, whatever its id looks like: the count is at least theirs.
        var curves = TrainingCurves.Of(await store.ReadCurvesAsync(sweep, cancellationToken), rows);
        var report = SweepReport.Build(sweep, rows, (record?.PretrainJobs ?? 0, Math.Max(record?.EvaluationJobs ?? 0, rows.Count)), source, record?.Spec, alpha, DateTimeOffset.UtcNow);
        return report with { Curves = curves };
    }

    /// <summary>Prints each question's one-line answer and where the report is.</summary>
    public static void PrintSummary(IAnsiConsole console, SweepReport report, ReportFiles files)
    {
        console.MarkupLine("[bold]Conclusions[/] (each question's tests Holm-corrected at α = " + report.Alpha.ToString(System.Globalization.CultureInfo.InvariantCulture) + "):");
        foreach (var question in report.Questions)
        {
            var colour = question.Evidence.Any(e => e.Support is Support.Supported or Support.Contradicted) ? "green" : "grey";
            console.MarkupLineInterpolated($"  [bold]{question.Title}[/]");
            console.MarkupLineInterpolated($"    [{colour}]{Wording.Summary(question)}[/]");
        }

        console.MarkupLineInterpolated($"Report: {Path.GetFullPath(files.Html)} (open it in a browser) and {Path.GetFullPath(files.Markdown)}.");
    }
}
