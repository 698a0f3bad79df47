using System.Diagnostics;
using FaceRep.Core.Metrics;
using FaceRep.Reports;
using FaceRep.Results.Store;

namespace FaceRep.Bench;

/// <summary>
/// Report generation for a large sweep: a DuckDB store holding <c>--jobs</c> evaluation results
/// (25 sources × 5 tasks × 2 protocols × 8 shot fractions × seeds), then the whole of
/// <c>facerep report</c>: read the sweep, compute summaries, bootstrap intervals, ranks and every
/// question's tests, render the charts and write report.md and report.html.
/// </summary>
public static class ReportBench
{
    private static readonly string[] Tasks = ["recognition", "landmarks", "au", "emotion", "landmarks3d"];
    private static readonly double[] Shots = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0];

    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = args.SkipWhile(a => a != "--jobs").Skip(1).Select(int.Parse).FirstOrDefault(10_000);
        var directory = Directory.CreateTempSubdirectory("facerep-report-bench-");
        try
        {
            var rows = Generate(jobs).ToList();
            await using var store = new DuckDbResultStore(Path.Combine(directory.FullName, "results.duckdb"));
            await store.InitialiseAsync();
            foreach (var batch in rows.Chunk(10_000))
                await store.WriteAsync(batch);
            await store.RecordSweepAsync("bench", rows.Select(r => r.JobId).ToList());
            await store.RecordSpecAsync("bench", "name: bench\n");
            Console.WriteLine($"## Report of a {rows.Count:N0}-job sweep ({rows.Select(r => r.Pretrain).Distinct().Count()} sources, {Tasks.Length} tasks, 2 protocols, {Shots.Length} shot fractions)");

            for (var run = 0; run < 3; run++)
            {
                var clock = Stopwatch.StartNew();
                var record = await store.ReadSweepAsync("bench");
                var read = await store.ReadAsync("bench");
                var tRead = clock.Elapsed.TotalSeconds;
                var report = SweepReport.Build("bench", read, (record!.PretrainJobs, record.EvaluationJobs), "bench", record.Spec, 0.05, DateTimeOffset.UtcNow);
                var tBuild = clock.Elapsed.TotalSeconds - tRead;
                var files = ReportWriter.Write(report, Path.Combine(directory.FullName, $"report{run}"));
                var total = clock.Elapsed.TotalSeconds;
                Console.WriteLine($"run {run + 1}: total {total:F2} s = read {tRead:F2} s + statistics and conclusions {tBuild:F2} s + {files.Charts.Count} charts and files {total - tRead - tBuild:F2} s " +
                                  $"({report.Questions.Sum(q => q.Evidence.Count)} evidence rows; report.html {new FileInfo(files.Html).Length / 1024} KiB)");
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }

        return 0;
    }

    private static IEnumerable<ResultRow> Generate(int count)
    {
        var random = new Random(17);
        var sources = new List<(string Dataset, string Method)> { ("", "scratch") };
        foreach (var dataset in new[] { "synth-curated", "synth-uncurated", "synth-video" })
            foreach (var method in new[] { "supervised", "simclr", "moco", "swav", "byol", "barlow", "moco-v3", "dino" })
            {
                if (!(method == "supervised" && dataset == "synth-uncurated"))
                    sources.Add((dataset, method));
            }

        var n = 0;
        for (var seed = 0; ; seed++)
        {
            foreach (var (dataset, method) in sources)
                foreach (var task in Tasks)
                    foreach (var protocol in new[] { "finetune", "linear" })
                        foreach (var shots in Shots)
                        {
                            if (n++ == count)
                                yield break;
                            var metric = MetricDefinitions.ForTask(task)[0];
                            var gain = method == "scratch" ? 0 : 0.02 + 0.01 * (dataset.Length % 3);
                            var value = 0.5 + (metric.Direction == MetricDirection.LowerIsBetter ? -gain : gain) * (1 - Math.Log10(shots)) + (random.NextDouble() - 0.5) * 0.02;
                            var source = method == "scratch" ? "scratch" : $"{dataset}/{method}";
                            yield return ResultsBench.Row(n, source, task, protocol, shots, seed, random.NextDouble() * 60,
                                new Dictionary<string, double> { [metric.Name] = value, ["train_loss"] = random.NextDouble() });
                        }
        }
    }
}
