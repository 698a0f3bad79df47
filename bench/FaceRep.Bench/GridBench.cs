using System.Diagnostics;
using System.Globalization;
using FaceRep.Cluster.Tests;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Hosting;

namespace FaceRep.Bench;

/// <summary>
/// The grid's own cost per job: sweeps of 1k, 10k and 100k jobs run with the no-op trainer, in
/// embedded mode (one process, SQLite state, DuckDB results) and on Redis-clustered silo
/// processes; each size in a fresh process (or fresh silos) so peak memory is that size's own.
/// Also the raw grain-call rate of this machine, the ceiling everything else is measured against.
/// </summary>
public static class GridBench
{
    /// <summary>Settings from the command line.</summary>
    public sealed record Settings(int[] Sizes, int Devices, string Mode, int Silos)
    {
        public static Settings Parse(string[] args)
        {
            var sizes = new[] { 1_000, 10_000, 100_000 };
            var devices = 64;
            var mode = "all";
            var silos = 2;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--sizes":
                        sizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                        break;
                    case "--devices":
                        devices = int.Parse(args[++i], CultureInfo.InvariantCulture);
                        break;
                    case "--mode":
                        mode = args[++i];
                        break;
                    case "--silos":
                        silos = int.Parse(args[++i], CultureInfo.InvariantCulture);
                        break;
                    default:
                        throw new ArgumentException($"unknown grid option '{args[i]}'; use --sizes 1000,10000 --devices N --mode embedded|redis|all --silos N");
                }
            }

            return new Settings(sizes, devices, mode, silos);
        }
    }

    /// <summary>One measured sweep.</summary>
    public sealed record Figures(string Mode, int Jobs, double SubmitSeconds, double TotalSeconds, double CpuSeconds, long[] PeakBytes)
    {
        public double JobsPerSecond => Jobs / TotalSeconds;

        public double MicrosecondsPerJob => TotalSeconds * 1e6 / Jobs;

        public double CpuMicrosecondsPerJob => CpuSeconds * 1e6 / Jobs;

        public string ToLine() => string.Create(CultureInfo.InvariantCulture,
            $"RESULT {Mode} {Jobs} {SubmitSeconds:F3} {TotalSeconds:F3} {CpuSeconds:F3} {string.Join(',', PeakBytes)}");

        public static Figures? FromLine(string line)
        {
            var p = line.Split(' ');
            if (p.Length != 7 || p[0] != "RESULT")
                return null;
            double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
            return new Figures(p[1], int.Parse(p[2], CultureInfo.InvariantCulture), D(p[3]), D(p[4]), D(p[5]),
                p[6].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray());
        }
    }

    /// <summary>Runs every size in every mode asked for, each in a child process, and prints the table.</summary>
    public static async Task<int> RunAsync(Settings settings)
    {
        var all = new List<Figures>();
        Console.WriteLine($"## Grid: no-op sweeps, {settings.Devices} worker devices per silo");
        if (settings.Mode is "all" or "ceiling")
        {
            await CeilingAsync();
            await ResultWritesAsync();
        }
        foreach (var mode in new[] { "embedded", "redis" }.Where(m => settings.Mode is "all" || settings.Mode == m))
        {
            foreach (var size in settings.Sizes)
            {
                var figures = await RunChildAsync(mode, size, settings);
                if (figures is null)
                    return 1;
                all.Add(figures);
                Print(figures, all.First(f => f.Mode == mode));
            }
        }

        return 0;
    }

    private static void Print(Figures f, Figures baseline)
    {
        var peaks = string.Join(" + ", f.PeakBytes.Select(b => $"{b / 1048576.0:F0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{f.Mode,-9} {f.Jobs,7} jobs  submit {f.SubmitSeconds,6:F1} s  total {f.TotalSeconds,6:F1} s  {f.JobsPerSecond,7:F0} jobs/s  " +
            $"{f.MicrosecondsPerJob,6:F0} µs/job ({f.MicrosecondsPerJob / baseline.MicrosecondsPerJob:F2}× the smallest)  cpu {f.CpuMicrosecondsPerJob,6:F0} µs/job  peak MiB {peaks}"));
    }

    /// <summary>Runs one size in a fresh process: <c>grid-one MODE JOBS DEVICES SILOS</c>.</summary>
    private static async Task<Figures?> RunChildAsync(string mode, int jobs, Settings settings)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(typeof(GridBench).Assembly.Location);
        foreach (var a in new[] { "grid-one", mode, $"{jobs}", $"{settings.Devices}", $"{settings.Silos}" })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        Figures? figures = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (Figures.FromLine(line) is { } f)
                figures = f;
            else
                Console.WriteLine($"  {line}");
        }

        await process.WaitForExitAsync();
        if (process.ExitCode != 0 || figures is null)
            Console.Error.WriteLine($"{mode} {jobs}: exit {process.ExitCode}\n{await errors}");
        return figures;
    }

    /// <summary>The child's side: one sweep of <paramref name="jobs"/> jobs, printed as one RESULT line.</summary>
    public static async Task<int> RunOneAsync(string mode, int jobs, int devices, int silos)
    {
        var (spec, descriptors) = Sweep(jobs, $"bench-{jobs}");
        // Run first, untimed, so the JIT has compiled the grid's paths before the clock starts.
        var warmUp = Sweep(1000, "warm-up", firstSeed: 1_000_000);
        var figures = mode switch
        {
            "embedded" => await EmbeddedAsync(spec, descriptors, devices, warmUp),
            "redis" => await RedisAsync(spec, descriptors, devices, silos, warmUp),
            _ => throw new ArgumentException($"unknown mode '{mode}'"),
        };
        Console.WriteLine(figures.ToLine());
        return 0;
    }

    /// <summary>
    /// A spec expanding to about <paramref name="jobs"/> jobs: four pre-training jobs (SimCLR on
    /// four sets, so evaluations wait for them) and five tasks × five shot counts × as many seeds
    /// as it takes.
    /// </summary>
    private static (string Spec, List<JobDescriptor> Jobs) Sweep(int jobs, string name, int firstSeed = 0)
    {
        var seeds = Math.Max(1, jobs / 100);
        var text = $"""
            name: {name}
            pretrain:
              - {"{dataset: synth-curated, method: simclr, epochs: 1}"}
              - {"{dataset: synth-uncurated, method: simclr, epochs: 1}"}
              - {"{dataset: synth-video, method: simclr, epochs: 1}"}
              - {"{dataset: synth-curated, method: byol, epochs: 1}"}
            tasks: [recognition, landmarks, au, emotion, landmarks3d]
            shots: [0.01, 0.02, 0.05, 0.1, 0.2]
            seeds: [{string.Join(", ", Enumerable.Range(firstSeed, seeds))}]
            """;
        return (text, [.. FaceRep.Grid.Planning.SweepPlanner.Plan(text).Submission().Jobs]);
    }

    private static async Task<Figures> EmbeddedAsync(string spec, List<JobDescriptor> jobs, int devices, (string Spec, List<JobDescriptor> Jobs) warmUp)
    {
        var root = Directory.CreateTempSubdirectory("facerep-bench-grid-");
        try
        {
            var grid = await EmbeddedGrid.StartAsync(new EmbeddedPaths(root.FullName), _ => { }, o =>
            {
                o.CpuSlots = devices;
                o.Executor = "noop";
            });
            await using (grid)
            {
                await RunSweepAsync(grid.Client, "warm-up", warmUp.Spec, warmUp.Jobs, () => TimeSpan.Zero);
                var (submit, total, cpu) = await RunSweepAsync(grid.Client, $"bench-{jobs.Count}", spec, jobs, () => Process.GetCurrentProcess().TotalProcessorTime);
                using var self = Process.GetCurrentProcess();
                if (grid.Results is FaceRep.Results.Store.OutboxResultStore outbox)
                    Console.WriteLine($"result rows moved to DuckDB: {outbox.Moved.Rows} in {outbox.Moved.Commits} commits");
                return new Figures("embedded", jobs.Count, submit, total, cpu, [self.PeakWorkingSet64]);
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static async Task<Figures> RedisAsync(string spec, List<JobDescriptor> jobs, int devices, int silos, (string Spec, List<JobDescriptor> Jobs) warmUp)
    {
        await using var redis = await RedisServer.StartAsync();
        var root = Directory.CreateTempSubdirectory("facerep-bench-cluster-");
        var id = $"bench-{Guid.NewGuid():N}"[..16];
        var config = new SiloConfig
        {
            ClusterId = id,
            ServiceId = id,
            Redis = redis.ConnectionString,
            ArtifactRoot = Path.Combine(root.FullName, "artifacts"),
            CpuSlots = devices,
            Executor = "noop",
            HeartbeatSeconds = 5,
            LeaseSeconds = 60,
            // The silo's own membership defaults: the failover tests' 1 s × 2 probes declare a
            // silo dead that is merely starved of CPU by this benchmark's load on two cores.
            ProbeTimeoutSeconds = 5,
            MissedProbes = 3,
            TableRefreshSeconds = 60,
        };
        var processes = Enumerable.Range(0, silos).Select(i => SiloProcess.Start($"silo{i}", config, Path.Combine(root.FullName, $"silo{i}"))).ToList();
        try
        {
            await Task.WhenAll(processes.Select(p => p.WaitReadyAsync(TimeSpan.FromSeconds(60))));
            await using var host = await GridClient.ConnectAsync(redis.ConnectionString, id, id);
            var client = host.Client;
            await RunSweepAsync(client, "warm-up", warmUp.Spec, warmUp.Jobs, () => TimeSpan.Zero);
            var (submit, total, cpu) = await RunSweepAsync(client, $"bench-{jobs.Count}", spec, jobs,
                () => TimeSpan.FromSeconds(processes.Sum(p => CpuSeconds(p.ProcessId))));
            var peaks = processes.Select(p => PeakBytes(p.ProcessId)).ToArray();
            return new Figures("redis", jobs.Count, submit, total, cpu, peaks);
        }
        finally
        {
            foreach (var p in processes)
                p.Dispose();
            root.Delete(recursive: true);
        }
    }

    /// <summary>Submits the sweep and polls its counters until it completes.</summary>
    private static async Task<(double Submit, double Total, double Cpu)> RunSweepAsync(IClusterClient client, string name, string spec, List<JobDescriptor> jobs, Func<TimeSpan> cpuTime)
    {
        var sweep = client.GetGrain<ISweepGrain>(name);
        var cpu0 = cpuTime();
        var clock = Stopwatch.StartNew();
        var result = await sweep.SubmitAsync(new SweepSubmission(name, spec, 0, jobs));
        if (!result.Accepted)
            throw new InvalidOperationException(result.Error);
        var submit = clock.Elapsed.TotalSeconds;
        var last = DateTime.UtcNow;
        var status = result.Status;
        while (!status.IsComplete)
        {
            await Task.Delay(100);
            status = await sweep.GetStatusAsync();
            if (DateTime.UtcNow - last > TimeSpan.FromSeconds(10))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds,6:F0} s: {status.Succeeded} succeeded, {status.Running} running, {status.Ready} ready, {status.Waiting} waiting, {status.Failed} failed"));
                last = DateTime.UtcNow;
            }
        }

        var total = clock.Elapsed.TotalSeconds;
        if (status.Failed > 0)
            throw new InvalidOperationException($"{status.Failed} of {status.Total} no-op jobs failed");
        return (submit, total, (cpuTime() - cpu0).TotalSeconds);
    }

    private static string[] Status(int pid) => File.ReadAllLines($"/proc/{pid}/status");

    private static long PeakBytes(int pid) =>
        long.Parse(Status(pid).First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

    private static double CpuSeconds(int pid)
    {
        // Fields 14 and 15 of /proc/PID/stat: user and system time in clock ticks (100 per second here).
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>What a DuckDB result write costs by batch size (the grid group-commits result rows).</summary>
    public static async Task ResultWritesAsync()
    {
        foreach (var batch in new[] { 1, 32, 256, 2048 })
        {
            var root = Directory.CreateTempSubdirectory("facerep-bench-results-");
            try
            {
                await using var store = new FaceRep.Results.Store.DuckDbResultStore(Path.Combine(root.FullName, "results.duckdb"));
                await store.InitialiseAsync();
                var total = batch == 1 ? 500 : 8192;
                var rows = Enumerable.Range(0, total).Select(i => new FaceRep.Results.Store.ResultRow
                {
                    JobId = $"job{i:D8}",
                    PretrainId = "p",
                    Pretrain = "p",
                    PretrainDataset = "d",
                    PretrainMethod = "m",
                    Backbone = "resnet18",
                    Width = 1,
                    Input = 64,
                    Task = "landmarks",
                    Protocol = "linear",
                    Shots = 0.1,
                    Seed = i,
                    Metrics = new Dictionary<string, double> { ["nme_io"] = i, ["fr_10"] = 1, ["auc_10"] = 2 },
                    DurationSeconds = 1,
                    FinishedUtc = DateTimeOffset.UtcNow,
                    Device = "s/cpu0",
                    Attempt = 1,
                    Versions = "v",
                    TrainIndices = "",
                }).ToList();
                var clock = Stopwatch.StartNew();
                foreach (var chunk in rows.Chunk(batch))
                    await store.WriteAsync(chunk);
                var perCommit = clock.Elapsed.TotalMilliseconds / Math.Ceiling(total / (double)batch);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"duckdb    result rows in batches of {batch,5}: {total / clock.Elapsed.TotalSeconds,8:F0} rows/s, {perCommit,7:F2} ms per commit"));
            }
            finally
            {
                root.Delete(recursive: true);
            }
        }
    }

    /// <summary>The raw rate of grain calls on this machine: a client in the silo's process calling a grain that does nothing.</summary>
    private static async Task CeilingAsync()
    {
        var root = Directory.CreateTempSubdirectory("facerep-bench-ceiling-");
        try
        {
            var grid = await EmbeddedGrid.StartAsync(new EmbeddedPaths(root.FullName), _ => { }, o =>
            {
                o.CpuSlots = 1;
                o.Executor = "noop";
            });
            await using (grid)
            {
                var client = grid.Client;
                foreach (var (label, grains) in new[] { ("one grain", 1), ("1,000 grains", 1000) })
                {
                    const int concurrency = 256;
                    var refs = Enumerable.Range(0, grains).Select(i => client.GetGrain<IPingGrain>(i)).ToArray();
                    await Task.WhenAll(refs.Select(r => r.PingAsync()));
                    var calls = 0L;
                    var clock = Stopwatch.StartNew();
                    var until = TimeSpan.FromSeconds(5);
                    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
                    {
                        var n = 0L;
                        for (var i = worker; clock.Elapsed < until; i += concurrency)
                        {
                            await refs[i % grains].PingAsync();
                            n++;
                        }

                        Interlocked.Add(ref calls, n);
                    }));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"ceiling   grain calls to {label}, {concurrency} in flight: {calls / clock.Elapsed.TotalSeconds,8:F0} calls/s"));
                }
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}

/// <summary>A grain that does nothing, to measure what a call costs.</summary>
[Alias("facerep.bench.IPingGrain")]
public interface IPingGrain : IGrainWithIntegerKey
{
    /// <summary>Returns at once.</summary>
    [Alias("Ping")]
    Task PingAsync();
}

/// <inheritdoc cref="IPingGrain" />
public sealed class PingGrain : Grain, IPingGrain
{
    /// <inheritdoc />
    public Task PingAsync() => Task.CompletedTask;
}
