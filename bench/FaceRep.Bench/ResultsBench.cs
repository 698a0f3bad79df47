using System.Diagnostics;
using FaceRep.Cluster.Tests;
using FaceRep.Results.Queries;
using FaceRep.Results.Store;

namespace FaceRep.Bench;

/// <summary>
/// The result store at report scale: writes N result rows (a grid of sources × tasks × protocols
/// × shots × seeds, three metrics each) in batches, then times the group-by queries a report runs,
/// on DuckDB and, with <c>--postgres</c>, on a throwaway PostgreSQL server.
/// </summary>
public static class ResultsBench
{
    private static readonly string[] Tasks = ["recognition", "landmarks", "au", "emotion", "align3d"];
    private static readonly double[] Shots = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0];

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.SkipWhile(a => a != "--rows").Skip(1).Select(int.Parse).FirstOrDefault(1_000_000);
        var postgres = args.Contains("--postgres");
        Console.WriteLine($"## Result store: {rows:N0} rows, 3 metrics each");
        var directory = Directory.CreateTempSubdirectory("facerep-results-bench-");
        try
        {
            await using (var duck = new DuckDbResultStore(Path.Combine(directory.FullName, "results.duckdb")))
                await MeasureAsync("duckdb", duck, rows);
            if (postgres)
            {
                await using var server = await PostgresServer.StartAsync();
                await using var pg = new PostgresResultStore(await server.CreateDatabaseAsync());
                await MeasureAsync("postgres", pg, rows);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }

        return 0;
    }

    private static async Task MeasureAsync(string name, IResultStore store, int count)
    {
        await store.InitialiseAsync();
        var all = Generate(count).ToList();
        // The sweep is recorded first, as the grid does at submit, so results join it as they are written.
        var clock = Stopwatch.StartNew();
        await store.RecordSweepAsync("bench", all.Select(r => r.JobId).ToList());
        var record = clock.Elapsed.TotalSeconds;
        clock.Restart();
        foreach (var batch in all.Chunk(10_000))
            await store.WriteAsync(batch);
        Console.WriteLine($"{name,-9} record the sweep's {count:N0} job ids: {record:F1} s; write {count:N0} rows in batches of 10,000: {clock.Elapsed.TotalSeconds:F1} s ({count / clock.Elapsed.TotalSeconds:N0} rows/s)");

        var queries = new (string Label, ResultQuery Query)[]
        {
            ("mean per source × task × shots (the report's main table)", ResultQuery.Parse("nme_io", "bench", [], ["pretrain,task,protocol,shots"])),
            ("per source × shots, one task", ResultQuery.Parse("nme_io", "bench", ["task=landmarks"], ["pretrain,shots"])),
            ("per source, two shot fractions, no sweep join", ResultQuery.Parse("icc", null, ["shots=0.01,0.1"], ["pretrain"])),
            ("per seed of one cell (paired comparisons)", ResultQuery.Parse("accuracy", "bench", ["task=emotion", "shots=0.05"], ["pretrain,seed"])),
        };
        var queryable = (IResultQueries)store;
        foreach (var (label, query) in queries)
        {
            clock.Restart();
            await queryable.QueryAsync(query);   // first: DuckDB builds the sweep's facts of the metric here
            var first = clock.Elapsed.TotalMilliseconds;
            var times = new List<double>();
            IReadOnlyList<AggregateRow> answer = [];
            for (var i = 0; i < 5; i++)
            {
                clock.Restart();
                answer = await queryable.QueryAsync(query);
                times.Add(clock.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            Console.WriteLine($"{name,-9} {label}: median {times[2]:F1} ms, best {times[0]:F1} ms, first {first:F0} ms ({answer.Count} groups)");
        }
    }

    /// <summary>Rows over a grid large enough for <paramref name="count"/>, with seeded metric values.</summary>
    private static IEnumerable<ResultRow> Generate(int count)
    {
        var random = new Random(11);
        var sources = Enumerable.Range(0, 40).Select(i => i == 0 ? "scratch" : $"synth-{(i % 3 == 0 ? "video" : i % 3 == 1 ? "curated" : "uncurated")}/m{i}").ToArray();
        var perCell = sources.Length * Tasks.Length * 2 * Shots.Length;
        var seeds = (count + perCell - 1) / perCell;
        var n = 0;
        foreach (var seed in Enumerable.Range(0, seeds))
        {
            foreach (var source in sources)
            {
                foreach (var task in Tasks)
                {
                    foreach (var protocol in new[] { "finetune", "linear" })
                    {
                        foreach (var shots in Shots)
                        {
                            if (n++ == count)
                                yield break;
                            yield return Row(n, source, task, protocol, shots, seed, random.NextDouble() * 60,
                                new Dictionary<string, double> { ["nme_io"] = random.NextDouble(), ["icc"] = random.NextDouble(), ["accuracy"] = random.NextDouble() });
                        }
                    }
                }
            }
        }
    }

    /// <summary>The <paramref name="n"/>th result row of a benchmark sweep; <paramref name="source"/> is <c>scratch</c> or <c>dataset/method</c>.</summary>
    internal static ResultRow Row(int n, string source, string task, string protocol, double shots, int seed, double seconds, Dictionary<string, double> metrics) => new()
    {
        JobId = $"ev-{n:x16}",
        PretrainId = $"pt-{source}",
        Pretrain = source,
        PretrainDataset = source == "scratch" ? null : source.Split('/')[0],
        PretrainMethod = source == "scratch" ? "scratch" : source.Split('/')[1],
        Backbone = "resnet18",
        Width = 0.25,
        Input = 64,
        Task = task,
        Protocol = protocol,
        Shots = shots,
        Seed = seed,
        Metrics = metrics,
        DurationSeconds = seconds,
        FinishedUtc = DateTimeOffset.UnixEpoch.AddSeconds(n),
        Device = $"silo{n % 4}/cpu{n % 8}",
        Attempt = 1,
        Versions = "bench",
    };
}
