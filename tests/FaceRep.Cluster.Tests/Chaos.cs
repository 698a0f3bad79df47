using System.Diagnostics;
using System.Globalization;
using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Workers;
using Npgsql;

namespace FaceRep.Cluster.Tests;

/// <summary>How hard <see cref="ChaosRun"/> shakes the cluster.</summary>
public sealed record ChaosOptions
{
    /// <summary>SimCLR and as many MoCo pre-training jobs (see <see cref="Sweeps.Expand"/>).</summary>
    public int PretrainPerMethod { get; init; } = 10;

    /// <summary>Seeds per evaluation cell: the sweep has 4 × <see cref="PretrainPerMethod"/> × seeds evaluations.</summary>
    public int Seeds { get; init; } = 50;

    /// <summary>How long the sleep trainer takes per job.</summary>
    public TimeSpan Job { get; init; } = TimeSpan.FromMilliseconds(400);

    public int Silos { get; init; } = 3;

    public int CpuSlots { get; init; } = 2;

    /// <summary>The shortest wait before the next blow.</summary>
    public TimeSpan EveryMin { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest wait before the next blow.</summary>
    public TimeSpan EveryMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The seed of the random choices (which silo, how long to wait).</summary>
    public int RandomSeed { get; init; } = 1;

    /// <summary>How long the sweep may take before the run gives up.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(40);

    public int Jobs => 2 * PretrainPerMethod + 4 * PretrainPerMethod * Seeds;
}

/// <summary>One blow and what followed it.</summary>
/// <param name="What">kill silo, restart redis, restart postgres, kill watcher.</param>
/// <param name="Target">The silo, server or process hit.</param>
/// <param name="At">Seconds into the run.</param>
/// <param name="Down">Seconds until it was started again.</param>
/// <param name="Recovery">What recovered, and when (filled in after the run).</param>
public sealed record ChaosEvent(string What, string Target, double At, double Down, string Recovery);

/// <summary>What a <see cref="ChaosRun"/> did and found.</summary>
public sealed class ChaosReport
{
    public int Jobs { get; set; }

    public double Seconds { get; set; }

    public int Runs { get; set; }

    /// <summary>Runs a SIGKILL cut short.</summary>
    public int CutShort { get; set; }

    /// <summary>Jobs that were leased more than once (after a kill, a failure, or a lease that lapsed).</summary>
    public int ReLeased { get; set; }

    /// <summary>Runs that ended in failure (a result write or report that failed), each retried.</summary>
    public int FailedRuns { get; set; }

    /// <summary>Jobs that ran to success more than once, one after the other (never at once: that is a problem).</summary>
    public int RanAgainAfterSuccess { get; set; }

    public List<ChaosEvent> Events { get; } = [];

    /// <summary>Every promise broken; empty when the cluster kept them all.</summary>
    public List<string> Problems { get; } = [];

    public string FinalWatch { get; set; } = "";

    /// <summary>Files (logs, the run log, the spec) searched for the servers' passwords.</summary>
    public int FilesSearchedForSecrets { get; set; }

    /// <summary>The figures as lines for a console or a test's output.</summary>
    public IEnumerable<string> Describe()
    {
        yield return string.Create(CultureInfo.InvariantCulture,
            $"{Jobs} jobs in {Seconds:F0} s; {Runs} runs, {CutShort} cut short by kills, {FailedRuns} failed and retried, {ReLeased} jobs re-leased, {RanAgainAfterSuccess} ran again after succeeding");
        foreach (var e in Events)
            yield return string.Create(CultureInfo.InvariantCulture, $"  {e.At,6:F1} s  {e.What,-16} {e.Target,-12} down {e.Down,4:F1} s  {e.Recovery}");
        yield return $"  the last watch printed: {FinalWatch}";
        yield return $"  the Redis and PostgreSQL passwords appear in none of the {FilesSearchedForSecrets} files left and none of the processes' output" + (Problems.Any(p => p.Contains("password", StringComparison.Ordinal)) ? " — NOT SO, see below" : "");
        yield return Problems.Count == 0 ? "every promise kept" : $"{Problems.Count} problem(s):";
        foreach (var p in Problems.Take(30))
            yield return $"  {p}";
    }
}

/// <summary>
/// A chaos run: real redis-server, PostgreSQL and silo processes run a sweep of sleeping jobs
/// submitted and watched through the real console while silos are SIGKILLed and restarted every
/// 15–30 s, Redis is killed and restarted once, PostgreSQL is crashed and restarted once, and the
/// watching console is killed and started again. Afterwards it checks what the grid promises:
/// every job succeeded; every evaluation has exactly one result row, with the value its run
/// produced; no job ran on two devices at once; and the sweep's counters equal a recount of the
/// jobs' own states and of the result store.
/// </summary>
public sealed class ChaosRun(ChaosOptions options, Action<string> log)
{
    private const string Sweep = "chaos";
    private readonly Random _random = new(options.RandomSeed);
    private readonly Stopwatch _clock = new();
    private readonly List<(double At, int Succeeded)> _progress = [];
    private readonly List<(SiloProcess Silo, DateTime KilledAt, ChaosEvent Event)> _kills = [];
    /// <summary>Completed once the sampler sees the sweep complete.</summary>
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<ChaosReport> RunAsync()
    {
        var report = new ChaosReport { Jobs = options.Jobs };
        var root = Directory.CreateTempSubdirectory("facerep-chaos-");
        // Both servers want passwords, as production ones do; no log or output may show them.
        await using var redis = await RedisServer.StartAsync(password: $"redis-{Guid.NewGuid():N}");
        await using var postgres = await PostgresServer.StartAsync();
        var database = await postgres.CreateDatabaseAsync();
        var id = $"chaos-{Guid.NewGuid():N}"[..16];
        var config = new SiloConfig
        {
            ClusterId = id,
            ServiceId = id,
            Redis = redis.ConnectionString,
            Postgres = database,
            ArtifactRoot = Path.Combine(root.FullName, "artifacts"),
            CpuSlots = options.CpuSlots,
            Executor = $"sleep:{options.Job.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms",
            DrainSeconds = 0,
        };
        var silos = Enumerable.Range(1, options.Silos).Select(i => SiloProcess.Start($"silo{i}", config, Path.Combine(root.FullName, $"silo{i}"))).ToArray();
        var everySilo = new List<SiloProcess>(silos);
        ChildProcess? watch = null;
        var watches = new List<ChildProcess>();
        // The console finds the cluster, password included, in its environment, not on its command line.
        string[] cluster = ["--cluster-id", id];
        var environment = new Dictionary<string, string> { ["FACEREP_CLUSTER"] = redis.ConnectionString };
        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitReadyAsync(TimeSpan.FromSeconds(90))));
            await using var client = await GridClient.ConnectAsync(redis.ConnectionString, id, id);
            var sweep = client.Client.GetGrain<ISweepGrain>(Sweep);

            var spec = Path.Combine(root.FullName, "chaos.yaml");
            await File.WriteAllTextAsync(spec, Sweeps.SpecText(Sweep, options.PretrainPerMethod, options.Seeds));
            _clock.Start();
            var (code, text) = await FacerepConsole.RunAsync(root.FullName, ["sweep", "submit", spec, .. cluster], environment);
            if (code != 0)
                throw new InvalidOperationException($"sweep submit exited with {code}: {text}");
            watch = FacerepConsole.Start(root.FullName, ["sweep", "watch", Sweep, "--plain", .. cluster], environment);
            watches.Add(watch);
            log($"submitted {options.Jobs} jobs to {options.Silos} silos × {options.CpuSlots} slots");

            using var stop = new CancellationTokenSource();
            var sampler = SampleAsync(sweep, stop.Token);
            var blows = new Queue<string>(["kill silo", "restart postgres", "restart redis", "kill watcher"]);
            while (!_completed.Task.IsCompleted)
            {
                if (_clock.Elapsed > options.Timeout)
                {
                    report.Problems.Add($"the sweep did not complete within {options.Timeout.TotalMinutes:F0} min; last progress {_progress.LastOrDefault()}");
                    break;
                }

                var wait = options.EveryMin + (options.EveryMax - options.EveryMin) * _random.NextDouble();
                if (await WaitOrCompleteAsync(wait))
                    break;
                var blow = blows.Count > 0 ? blows.Dequeue() : "kill silo";
                switch (blow)
                {
                    case "kill silo":
                        {
                            var slot = _random.Next(silos.Length);
                            var victim = silos[slot];
                            var killedAt = victim.Kill();
                            var at = Seconds(killedAt);
                            await Task.Delay(TimeSpan.FromSeconds(1 + 4 * _random.NextDouble()));
                            silos[slot] = SiloProcess.Start($"{victim.Name.TrimEnd('\'')}'", config, victim.DataRoot, [victim.SiloPort, victim.GatewayPort, victim.HttpPort]);
                            everySilo.Add(silos[slot]);
                            var e = new ChaosEvent(blow, victim.Name, at, _clock.Elapsed.TotalSeconds - at, "");
                            _kills.Add((victim, killedAt, e));
                            log($"{at:F1} s: SIGKILLed {victim.Name} (:{victim.SiloPort}), restarted it after {e.Down:F1} s");
                            break;
                        }

                    case "restart redis":
                        {
                            var at = Seconds(redis.Kill());
                            await Task.Delay(TimeSpan.FromSeconds(2));
                            await redis.RestartAsync();
                            report.Events.Add(new ChaosEvent(blow, "redis", at, _clock.Elapsed.TotalSeconds - at, ""));
                            log($"{at:F1} s: SIGKILLed redis-server, restarted it from its append-only file");
                            break;
                        }

                    case "restart postgres":
                        {
                            var at = Seconds(await postgres.CrashAsync());
                            await Task.Delay(TimeSpan.FromSeconds(2));
                            await postgres.RestartAsync();
                            report.Events.Add(new ChaosEvent(blow, "postgres", at, _clock.Elapsed.TotalSeconds - at, ""));
                            log($"{at:F1} s: crashed PostgreSQL (immediate shutdown), restarted it");
                            break;
                        }

                    case "kill watcher":
                        {
                            var at = Seconds(watch.Kill());
                            watch = FacerepConsole.Start(root.FullName, ["sweep", "watch", Sweep, "--plain", .. cluster], environment);
                            watches.Add(watch);
                            report.Events.Add(new ChaosEvent(blow, "sweep watch", at, _clock.Elapsed.TotalSeconds - at, ""));
                            log($"{at:F1} s: SIGKILLed the watching console, started another");
                            break;
                        }
                }
            }

            await stop.CancelAsync();
            await sampler;
            report.Seconds = _clock.Elapsed.TotalSeconds;
            await CheckAsync(report, client.Client, watch, database, Path.Combine(config.ArtifactRoot, SleepJobExecutor.RunLogName));
            foreach (var w in watches)
                w.Dispose();
            foreach (var s in everySilo)
                s.Dispose();
            CheckSecrets(report, [redis.Password!, postgres.Password], root, everySilo.Select(s => (s.Name, s.Process.Output)).Concat(watches.Select(w => (w.Name, w.Output))).Append(("sweep submit", text)));
        }
        finally
        {
            foreach (var w in watches)
                w.Dispose();
            foreach (var s in everySilo)
                s.Dispose();
            if (report.Problems.Count > 0)
            {
                foreach (var s in everySilo)
                {
                    var problems = s.Problems().Where(p => p.Contains(" ERR]", StringComparison.Ordinal) || p.Contains(" FTL]", StringComparison.Ordinal)).Take(5).ToList();
                    if (problems.Count > 0)
                        log($"{s.Name} (:{s.SiloPort}) logged errors; the first:\n  {string.Join("\n  ", problems)}");
                }
            }

            if (Environment.GetEnvironmentVariable("FACEREP_KEEP_CLUSTER_DIR") == "1")
                log($"the silos' logs and the run log are kept in {root.FullName}");
            else
                TryDelete(root);
        }

        return report;
    }

    private double Seconds(DateTime utc) => _clock.Elapsed.TotalSeconds - (DateTime.UtcNow - utc).TotalSeconds;

    /// <summary>Waits <paramref name="wait"/>, or less if the sweep completes meanwhile; true if it did.</summary>
    private async Task<bool> WaitOrCompleteAsync(TimeSpan wait) =>
        await Task.WhenAny(_completed.Task, Task.Delay(wait)) == _completed.Task;

    /// <summary>Reads the sweep's counters every half second, through whatever the cluster is going through.</summary>
    private async Task SampleAsync(ISweepGrain sweep, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                var status = await sweep.GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(10), cancellation);
                lock (_progress)
                    _progress.Add((_clock.Elapsed.TotalSeconds, status.Succeeded));
                if (status.IsComplete)
                    _completed.TrySetResult();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The cluster is recovering; the gap shows in the figures.
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellation);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Seconds from <paramref name="at"/> until the sweep's success count grew past its value then; null if it never did.</summary>
    private double? ProgressAfter(double at, double from)
    {
        lock (_progress)
        {
            var before = _progress.LastOrDefault(p => p.At <= at).Succeeded;
            var next = _progress.FirstOrDefault(p => p.At > from && p.Succeeded > before);
            return next.At > 0 ? next.At - at : null;
        }
    }

    private async Task CheckAsync(ChaosReport report, IClusterClient client, ChildProcess? watch, string database, string runLog)
    {
        var problems = report.Problems;
        var sweep = client.GetGrain<ISweepGrain>(Sweep);

        // The last watch follows the sweep to its end and says every job succeeded.
        if (watch is not null)
        {
            try
            {
                var code = await watch.WaitForExitAsync(TimeSpan.FromSeconds(120));
                report.FinalWatch = watch.Output.Split('\n').LastOrDefault(l => l.Contains("finished:", StringComparison.Ordinal))?.Trim() ?? watch.Tail(1);
                if (code != 0)
                    problems.Add($"the last sweep watch exited with {code}: {watch.Tail(5)}");
                if (!watch.Output.Contains($"Sweep {Sweep} finished: {report.Jobs} succeeded, 0 failed, of {report.Jobs}.", StringComparison.Ordinal))
                    problems.Add($"the last sweep watch did not report {report.Jobs} succeeded: {watch.Tail(5)}");
            }
            catch (TimeoutException)
            {
                problems.Add($"the last sweep watch did not end within 120 s of the sweep; it printed: {watch.Tail(5)}");
            }
        }

        // The sweep's counters, and a recount of its jobs' own states.
        var progress = await sweep.GetProgressAsync(0);
        var status = progress.Status;
        if (status.Succeeded != report.Jobs || status.Failed != 0 || status.Total != report.Jobs)
            problems.Add($"the sweep counts {status.Succeeded} succeeded and {status.Failed} failed of {status.Total}; it has {report.Jobs} jobs");
        var ids = await sweep.GetJobIdsAsync();
        var jobs = new List<JobStatus>();
        foreach (var chunk in ids.Chunk(200))
            jobs.AddRange(await Task.WhenAll(chunk.Select(i => client.GetGrain<IExperimentGrain>(i).GetStatusAsync())));
        var recount = (Succeeded: jobs.Count(j => j.State == JobState.Succeeded), Failed: jobs.Count(j => j.State == JobState.Failed), Other: jobs.Count(j => j.State is not (JobState.Succeeded or JobState.Failed)));
        if ((status.Succeeded, status.Failed, 0) != recount)
            problems.Add($"the sweep counts {status.Succeeded} succeeded and {status.Failed} failed, but its jobs' own states say {recount}");

        // The result store: one row per evaluation, holding the value its run computed.
        var evaluations = progress.Stages.SingleOrDefault(s => s.Kind == JobKind.Evaluate);
        var rows = new Dictionary<string, (long Rows, double? Value)>();
        NpgsqlConnection.ClearAllPools();
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                SELECT r.job_id, count(*) OVER (PARTITION BY r.job_id), m.value
                FROM sweep_jobs s JOIN results r ON r.job_id = s.job_id
                LEFT JOIN metrics m ON m.job_id = r.job_id AND m.metric = 'train_loss'
                WHERE s.sweep = @sweep
                """, connection);
            command.Parameters.AddWithValue("sweep", Sweep);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                rows[reader.GetString(0)] = (reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetDouble(2));
        }

        if (evaluations is null || rows.Count != evaluations.Succeeded || rows.Count != evaluations.Total)
            problems.Add($"the result store holds {rows.Count} evaluation rows; the sweep counts {evaluations?.Succeeded} succeeded evaluations of {evaluations?.Total}");
        foreach (var (job, (count, value)) in rows)
        {
            if (count != 1)
                problems.Add($"job {job} has {count} result rows");
            if (value is not { } v || Math.Abs(v - SleepJobExecutor.MetricFor(job)) > 1e-12)
                problems.Add($"job {job}'s stored metric is {value}, not the {SleepJobExecutor.MetricFor(job)} its run computed");
        }

        // The run log: who ran what, when.
        var runs = RunLog.Read(runLog);
        report.Runs = runs.Count;
        report.FailedRuns = runs.Count(r => r.Outcome == "failed");
        var byJob = runs.ToLookup(r => r.JobId);
        foreach (var job in jobs)
        {
            if (!byJob[job.Id].Any(r => r.Succeeded))
                problems.Add($"job {job.Id} is {job.State} but no run of it succeeded");
            if (!byJob[job.Id].Any(r => r.Succeeded && r.Attempt == job.Attempts))
                problems.Add($"job {job.Id}'s recorded attempt {job.Attempts} has no successful run");
        }

        report.ReLeased = byJob.Count(j => j.Count() > 1);
        report.RanAgainAfterSuccess = byJob.Count(j => j.Count(r => r.Succeeded) > 1);

        // A run that never ended was cut short by the first kill of its silo after it started.
        DateTime? KilledAt(Run run) =>
            _kills.Where(k => k.Silo.Owns(run.Silo) && k.KilledAt >= run.Start).Select(k => (DateTime?)k.KilledAt).Min();
        var ended = new List<(Run Run, DateTime End)>();
        foreach (var run in runs)
        {
            var end = run.End ?? KilledAt(run);
            if (end is null)
                problems.Add($"a run of {run.JobId} on {run.Silo}/{run.Device} never ended, and its silo was never killed");
            else
                ended.Add((run, end.Value));
        }

        report.CutShort = runs.Count(r => r.End is null);
        foreach (var job in ended.GroupBy(r => r.Run.JobId))
        {
            var spans = job.OrderBy(s => s.Run.Start).ToList();
            for (var i = 1; i < spans.Count; i++)
            {
                if (spans[i].Run.Start < spans[i - 1].End)
                    problems.Add($"job {job.Key} ran on {spans[i - 1].Run.Silo}/{spans[i - 1].Run.Device} and {spans[i].Run.Silo}/{spans[i].Run.Device} at once");
            }
        }

        // How each blow was recovered from.
        foreach (var (silo, killedAt, e) in _kills)
        {
            var cut = runs.Where(r => r.End is null && KilledAt(r) == killedAt).ToList();
            var again = cut.Select(r => byJob[r.JobId].Where(o => o.Start > killedAt).Select(o => (o.Start - killedAt).TotalSeconds).DefaultIfEmpty(double.NaN).Min()).ToList();
            var replacement = runs.Where(r => silo.Owns(r.Silo) && r.Start > killedAt).Select(r => (r.Start - killedAt).TotalSeconds).DefaultIfEmpty(double.NaN).Min();
            var recovery = cut.Count == 0
                ? "it ran no job then"
                : string.Create(CultureInfo.InvariantCulture, $"{cut.Count} job(s) cut short ran again after {string.Join(", ", again.Select(a => $"{a:F1}"))} s");
            recovery += double.IsNaN(replacement) ? "; the restarted silo ran no job before the end" : string.Create(CultureInfo.InvariantCulture, $"; the restarted silo's first job at +{replacement:F1} s");
            report.Events.Add(e with { Recovery = recovery });
            if (again.Any(double.IsNaN))
                problems.Add($"a job cut short by the kill of {silo.Name} never ran again");
        }

        for (var i = 0; i < report.Events.Count; i++)
        {
            var e = report.Events[i];
            if (e.What is "restart redis" or "restart postgres")
            {
                var after = ProgressAfter(e.At, e.At + e.Down);
                report.Events[i] = e with { Recovery = after is { } s ? string.Create(CultureInfo.InvariantCulture, $"jobs completing again {s:F1} s after the blow") : "no progress after it" };
            }
            else if (e.What == "kill watcher")
            {
                report.Events[i] = e with { Recovery = "the new watch followed the sweep to its end" };
            }
        }

        report.Events.Sort((a, b) => a.At.CompareTo(b.At));
    }

    /// <summary>
    /// The passwords of Redis and PostgreSQL appear in no file the run left (the silos' log
    /// files, the run log, specs) and in nothing a silo or the console printed.
    /// </summary>
    private static void CheckSecrets(ChaosReport report, string[] secrets, DirectoryInfo root, IEnumerable<(string Name, string Output)> outputs)
    {
        var files = 0;
        foreach (var file in root.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            files++;
            using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var text = new StreamReader(stream).ReadToEnd();
            foreach (var secret in secrets.Where(s => text.Contains(s, StringComparison.Ordinal)))
                report.Problems.Add($"{Path.GetRelativePath(root.FullName, file.FullName)} holds a password ({secret[..6]}…)");
        }

        foreach (var (name, output) in outputs)
        {
            foreach (var secret in secrets.Where(s => output.Contains(s, StringComparison.Ordinal)))
                report.Problems.Add($"{name} printed a password ({secret[..6]}…)");
        }

        report.FilesSearchedForSecrets = files;
    }

    private static void TryDelete(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is under the temp directory.
        }
    }
}
