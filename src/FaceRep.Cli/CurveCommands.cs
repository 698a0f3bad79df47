using System.CommandLine;
using System.Globalization;
using System.Text;
using FaceRep.Results.Store;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary><c>facerep results curves</c>: the training curves the result store keeps, per job.</summary>
public static class CurveCommands
{
    private static readonly string[] Formats = ["table", "csv"];

    /// <summary>The <c>curves</c> sub-verb of <c>results</c>.</summary>
    public static Command Create()
    {
        var store = new StoreOptions();
        var job = new Option<string[]>("--job") { Description = "Only these jobs (a job id or its first characters); repeatable." };
        var format = new Option<string>("--format") { Description = "table (one line per job: loss and k-NN from start to end) or csv (every point).", DefaultValueFactory = _ => "table" };
        var output = new Option<string?>("--output") { Description = "Write to this file instead of the console." };
        var command = new Command("curves", "Training curves: loss, learning rate, images/s and (pre-training) k-NN identity accuracy per job, from the untrained backbone to the last step.")
        {
            store.Sweep, job, format, output, store.Out, store.Postgres,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            var chosen = result.GetValue(format)!;
            if (!Formats.Contains(chosen))
            {
                console.MarkupLineInterpolated($"[red]error:[/] --format '{chosen}' is not one of {string.Join(", ", Formats)}");
                return ExitCodes.BadInput;
            }

            var file = result.GetValue(output);
            if (file is not null && Directory.Exists(file))
            {
                console.MarkupLineInterpolated($"[red]error:[/] --output {Path.GetFullPath(file)} is a directory: name the file to write");
                return ExitCodes.BadInput;
            }

            var sweep = result.GetValue(store.Sweep);
            var (read, exit) = await store.ReadAsync(result, console, async opened =>
                new Read(await opened.ReadCurvesAsync(sweep, cancellationToken), await opened.ReadAsync(sweep, cancellationToken)), cancellationToken);
            if (read is null)
                return exit;

            var jobs = result.GetValue(job) ?? [];
            var curves = read.Curves.Where(c => jobs.Length == 0 || jobs.Any(j => c.JobId.StartsWith(j, StringComparison.Ordinal))).ToList();
            if (curves.Count == 0)
            {
                var what = jobs.Length > 0 ? $"of job(s) {string.Join(", ", jobs)}" : sweep is null ? "in the store" : $"in sweep '{sweep}'";
                Console.Error.WriteLine($"No training curves {what}: only jobs that trained keep one (not scratch, not a reused checkpoint).");
            }

            var labels = Labels(read.Rows);
            try
            {
                if (chosen == "table" && file is null)
                {
                    console.Write(Table(curves, labels));
                }
                else
                {
                    var text = chosen == "csv" ? Csv(curves, labels) : TableText(curves, labels);
                    if (file is null)
                        Console.Out.Write(text);
                    else
                        await File.WriteAllTextAsync(file, text, cancellationToken);
                }
            }
            catch (Exception e) when (file is not null && e is IOException or UnauthorizedAccessException)
            {
                console.MarkupLineInterpolated($"[red]error:[/] cannot write --output {Path.GetFullPath(file)}: {e.Message}");
                return ExitCodes.BadInput;
            }

            return 0;
        });
        return command;
    }

    private sealed record Read(IReadOnlyList<JobCurve> Curves, IReadOnlyList<ResultRow> Rows);

    /// <summary>What each job is, from the result rows: a pre-training's source, an evaluation's cell.</summary>
    private static Dictionary<string, string> Labels(IReadOnlyList<ResultRow> rows)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            labels.TryAdd(row.PretrainId, row.Pretrain);
            labels[row.JobId] = string.Create(CultureInfo.InvariantCulture, $"{row.Pretrain} · {row.Task} {row.Protocol} {row.Shots:P0} seed {row.Seed}");
        }

        return labels;
    }

    /// <summary>One job's curve in a line: where its loss and k-NN started and ended, and its median speed.</summary>
    private sealed record Summary(string JobId, string Label, string Phase, long Steps, double? FirstLoss, double? LastLoss, double? KnnStart, double? KnnEnd, double? ImagesPerSecond);

    private static IEnumerable<Summary> Summaries(IReadOnlyList<JobCurve> curves, Dictionary<string, string> labels) =>
        curves.SelectMany(c => c.Points.GroupBy(p => p.Phase).Select(phase =>
        {
            var points = phase.ToList();
            var losses = points.Where(p => p.Loss is not null).ToList();
            var knn = points.Where(p => p.KnnAccuracy is not null).ToList();
            var rates = points.Where(p => p.ImagesPerSecond is not null).Select(p => p.ImagesPerSecond!.Value).Order().ToList();
            return new Summary(c.JobId, labels.GetValueOrDefault(c.JobId, ""), phase.Key, points.Max(p => p.Step),
                losses.FirstOrDefault()?.Loss, losses.LastOrDefault()?.Loss, knn.FirstOrDefault()?.KnnAccuracy, knn.Count > 1 ? knn[^1].KnnAccuracy : null,
                rates.Count == 0 ? null : rates[rates.Count / 2]);
        }));

    private static readonly string[] Headers = ["job", "what", "phase", "steps", "loss first", "loss last", "k-NN untrained", "k-NN end", "images/s"];

    private static string[] Cells(Summary s) =>
    [
        s.JobId, s.Label, s.Phase, s.Steps.ToString(CultureInfo.InvariantCulture), Number(s.FirstLoss), Number(s.LastLoss),
        Percent(s.KnnStart), Percent(s.KnnEnd), s.ImagesPerSecond is { } r ? r.ToString("F0", CultureInfo.InvariantCulture) : "—",
    ];

    private static Table Table(IReadOnlyList<JobCurve> curves, Dictionary<string, string> labels)
    {
        var table = new Table().Title("training curves (loss: mean over each point's steps; k-NN: identity accuracy on the held-out probe)");
        foreach (var header in Headers)
            table.AddColumn(header);
        foreach (var summary in Summaries(curves, labels))
            table.AddRow(Cells(summary).Select(Markup.Escape).ToArray());
        return table;
    }

    private static string TableText(IReadOnlyList<JobCurve> curves, Dictionary<string, string> labels)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join('\t', Headers));
        foreach (var summary in Summaries(curves, labels))
            text.AppendLine(string.Join('\t', Cells(summary)));
        return text.ToString();
    }

    private static string Csv(IReadOnlyList<JobCurve> curves, Dictionary<string, string> labels)
    {
        var csv = new StringBuilder();
        csv.AppendLine("job_id,what,phase,step,total_steps,loss,lr,images_per_s,knn,seconds");
        foreach (var curve in curves)
        {
            var label = labels.GetValueOrDefault(curve.JobId, "");
            foreach (var p in curve.Points)
            {
                csv.AppendLine(string.Join(',', curve.JobId, ResultsCommands.CsvField(label), p.Phase, p.Step.ToString(CultureInfo.InvariantCulture), p.TotalSteps.ToString(CultureInfo.InvariantCulture),
                    R(p.Loss), R(p.LearningRate), R(p.ImagesPerSecond), R(p.KnnAccuracy), R(p.Seconds)));
            }
        }

        return csv.ToString();
    }

    private static string Number(double? value) => value is { } v ? v.ToString("G4", CultureInfo.InvariantCulture) : "—";

    private static string Percent(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "—";

    private static string R(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
