using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FaceRep.Cluster.Tests;
using FaceRep.Grid.Abstractions;

namespace FaceRep.Bench;

/// <summary>
/// What an operator sees when scaling a cluster (<c>scaling [--job-ms 500] [--drain 0,10] [--rounds 3]</c>):
/// Redis and two silo processes run a sweep of sleeping jobs (no training: the figures are the
/// grid's); mid-sweep a third silo is started and the time from its process start to joining
/// and to its first job is measured; then a silo is sent SIGTERM while it runs jobs, and the time
/// until it has left, with how many jobs it finished in its grace period and how many it handed
/// back, is measured for each drain setting. Also the cost of reading a sweep's progress (what
/// <c>sweep watch</c> polls once a second).
/// </summary>
public static partial class ScalingBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var jobMs = 500;
        double[] drains = [0, 10];
        var rounds = 3;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--job-ms": jobMs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--drain": drains = args[i + 1].Split(',').Select(d => double.Parse(d, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'; use --job-ms N, --drain S,S, --rounds N");
                    return 2;
            }
        }

        Console.WriteLine($"# Scaling: Redis + silo processes (2 CPU slots each, sleep:{jobMs}ms jobs), {Environment.ProcessorCount} cores");
        Console.WriteLine("drain_s  round  join_s  first_job_s  sigterm_to_exit_s  finished_in_grace  handed_back  progress_ms(p50/p95)  sweep_s  longest_stall_after_sigterm_s  jobs");
        foreach (var drain in drains)
        {
            for (var round = 1; round <= rounds; round++)
                await RoundAsync(jobMs, drain, round);
        }

        return 0;
    }

    private static async Task RoundAsync(int jobMs, double drain, int round)
    {
        await using var redis = await RedisServer.StartAsync();
        var root = Directory.CreateTempSubdirectory("facerep-bench-scaling-");
        var id = $"scale-{Guid.NewGuid():N}"[..16];
        var config = new SiloConfig
        {
            ClusterId = id,
            ServiceId = id,
            Redis = redis.ConnectionString,
            ArtifactRoot = Path.Combine(root.FullName, "artifacts"),
            CpuSlots = 2,
            Executor = $"sleep:{jobMs}ms",
            HeartbeatSeconds = 1,
            LeaseSeconds = 10,
            DrainSeconds = drain,
            ProbeTimeoutSeconds = 2,
            MissedProbes = 3,
            TableRefreshSeconds = 5,
        };
        var silos = new List<SiloProcess>();
        try
        {
            silos.AddRange(Enumerable.Range(0, 2).Select(i => SiloProcess.Start($"silo{i}", config, Path.Combine(root.FullName, $"silo{i}"))));
            await Task.WhenAll(silos.Select(s => s.WaitReadyAsync(TimeSpan.FromSeconds(60))));
            await using var host = await GridClient.ConnectAsync(redis.ConnectionString, id, id);
            var client = host.Client;

            // 10 pre-training jobs and 240 evaluations, as the console cluster test runs.
            var submission = Sweeps.Expand("scaling", pretrainPerMethod: 5, seeds: 12);
            var sweep = client.GetGrain<ISweepGrain>("scaling");
            var clock = Stopwatch.StartNew();
            await sweep.SubmitAsync(submission);
            await UntilAsync(sweep, s => s.Succeeded >= 30);

            // A third silo joins.
            var started = Stopwatch.StartNew();
            var joiner = SiloProcess.Start("silo2", config, Path.Combine(root.FullName, "silo2"));
            silos.Add(joiner);
            await joiner.WaitReadyAsync(TimeSpan.FromSeconds(60));
            var joined = started.Elapsed.TotalSeconds;
            await joiner.WaitForNextJobAsync(TimeSpan.FromSeconds(60));
            var firstJob = started.Elapsed.TotalSeconds - joined;

            // Progress reads while the sweep runs.
            var reads = new List<double>();
            for (var i = 0; i < 40; i++)
            {
                var t = Stopwatch.StartNew();
                await sweep.GetProgressAsync(0);
                reads.Add(t.Elapsed.TotalMilliseconds);
            }

            // A busy silo is told to stop.
            var leaving = silos[0];
            await leaving.WaitForNextJobAsync(TimeSpan.FromSeconds(60));
            var terminated = Stopwatch.StartNew();
            leaving.Terminate();
            await leaving.Process.WaitForExitAsync(TimeSpan.FromSeconds(drain + 60));
            var exitSeconds = terminated.Elapsed.TotalSeconds;
            var line = await leaving.Process.WaitForLineAsync(l => l.Contains("Drained:", StringComparison.Ordinal), TimeSpan.FromSeconds(1));
            var m = DrainedLine().Match(line);

            var (final, stall) = await UntilCompleteAsync(sweep);
            reads.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{drain,7:F0}  {round,5}  {joined,6:F1}  {firstJob,11:F2}  {exitSeconds,17:F1}  {m.Groups[1].Value,17}  {m.Groups[2].Value,11}  {reads[reads.Count / 2],9:F1}/{reads[(int)(reads.Count * 0.95)],-10:F1}  {clock.Elapsed.TotalSeconds,7:F1}  {stall,29:F1}  {final.Succeeded}/{final.Total}{(final.Failed > 0 ? $" ({final.Failed} FAILED)" : "")}"));
        }
        finally
        {
            foreach (var s in silos)
                s.Dispose();
            if (Environment.GetEnvironmentVariable("FACEREP_KEEP_BENCH_DIR") == "1")
                Console.WriteLine($"  silo logs kept in {root.FullName}");
            else
                root.Delete(recursive: true);
        }
    }

    private static async Task<SweepStatus> UntilAsync(ISweepGrain sweep, Func<SweepStatus, bool> until)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            var status = await sweep.GetStatusAsync();
            if (until(status))
                return status;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the sweep did not get there: {status}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the sweep to complete; returns its status and the longest time no job finished meanwhile.</summary>
    private static async Task<(SweepStatus Status, double LongestStall)> UntilCompleteAsync(ISweepGrain sweep)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        var lastChange = Stopwatch.StartNew();
        var longest = 0.0;
        var done = -1;
        while (true)
        {
            var status = await sweep.GetStatusAsync();
            if (status.Succeeded + status.Failed != done)
            {
                longest = Math.Max(longest, lastChange.Elapsed.TotalSeconds);
                done = status.Succeeded + status.Failed;
                lastChange.Restart();
            }

            if (status.IsComplete)
                return (status, longest);
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the sweep did not complete: {status}");
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"Drained: (-?\d+) job\(s\) finished while draining, (\d+) handed back")]
    private static partial Regex DrainedLine();
}
