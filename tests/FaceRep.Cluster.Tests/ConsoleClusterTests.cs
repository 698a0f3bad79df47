using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using FaceRep.Grid.Abstractions;
using Xunit.Abstractions;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// The cluster as researchers and operators use it: the real <c>facerep</c> console submits and
/// watches a sweep on real silo processes while a silo joins and another is stopped with SIGTERM.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class ConsoleClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>How soon a silo that joins mid-sweep must start a job. Measured on 2 cores: see the test's output.</summary>
    private static readonly TimeSpan JoinWithin = TimeSpan.FromSeconds(15);

    private ClusterHarness _cluster = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        // Jobs of 300 ms; a stopping silo hands its running jobs back at once (DrainSeconds 0), so
        // the test sees hand-backs, not jobs that happen to finish within the grace period.
        _cluster = await ClusterHarness.StartAsync(output, silos: 2, configure: c => c with { Executor = "sleep:300ms", DrainSeconds = 0 });
        _dir = Directory.CreateTempSubdirectory("facerep-console-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_sweep_submitted_from_the_console_finishes_while_a_silo_joins_and_another_drains()
    {
        // Arrange: 10 pre-training jobs and 480 evaluations (about 25 s of work on 6 slots: the
        // join and the drain must both land while the sweep still runs).
        var spec = Path.Combine(_dir, "scale.yaml");
        await File.WriteAllTextAsync(spec, """
            name: scale
            pretrain:
              - {dataset: synth-curated, method: simclr, epochs: [1, 2, 3, 4, 5]}
              - {dataset: synth-curated, method: moco, epochs: [1, 2, 3, 4, 5]}
            tasks: [landmarks]
            shots: [0.05, 0.2]
            seeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]
            """);
        var clock = Stopwatch.StartNew();

        // Act: submit, and watch in another process.
        var (code, text) = await RunAsync("sweep", "submit", spec);
        Assert.True(code == 0, text);
        Assert.Contains("Submitted sweep scale", text, StringComparison.Ordinal);
        Assert.Contains("10 pre-training and 480 evaluation jobs", text, StringComparison.Ordinal);
        using var watch = Start("sweep", "watch", "scale", "--plain");

        // A third silo joins once work is under way, and takes jobs within seconds.
        await watch.WaitForLineAsync(l => DoneOf(l) is >= 20, TimeSpan.FromSeconds(90));
        var joiner = _cluster.StartSilo();
        await joiner.WaitReadyAsync(TimeSpan.FromSeconds(60));
        var joined = clock.Elapsed;
        await joiner.WaitForNextJobAsync(JoinWithin);
        var firstJobAfter = clock.Elapsed - joined;

        // The console sees three silos.
        (code, text) = await RunAsync("cluster", "status");
        Assert.True(code == 0, text);
        Assert.Contains("3 silo(s)", text, StringComparison.Ordinal);
        Assert.Contains("6 device(s)", text, StringComparison.Ordinal);

        // One of the first two is stopped with SIGTERM as it runs a job: it drains and leaves.
        var drained = _cluster.Silos[0];
        await drained.WaitForNextJobAsync(TimeSpan.FromSeconds(30));
        drained.Terminate();
        var exit = await drained.Process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var drainLine = await drained.Process.WaitForLineAsync(l => l.Contains("Drained:", StringComparison.Ordinal), TimeSpan.FromSeconds(1));

        // The watch follows the sweep to its end.
        int watchExit;
        try
        {
            watchExit = await watch.WaitForExitAsync(TimeSpan.FromSeconds(180));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the watch did not end within 180 s; it printed:\n{watch.Tail(15)}\nthe silos' last lines:\n{string.Join("\n", _cluster.Silos.Select(s => $"{s.Name}: {s.Process.Tail(8)}"))}");
        }

        var watched = watch.Output;

        // Assert: the silo left cleanly, handing back what it ran; the watch saw every job succeed.
        Assert.True(exit == 0, $"the drained silo exited with {exit}:\n{drained.Process.Tail(30)}");
        var handedBack = int.Parse(HandedBack().Match(drainLine).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(handedBack >= 1, drainLine);
        Assert.True(watchExit == 0, watched);
        Assert.Contains("Sweep scale finished: 490 succeeded, 0 failed, of 490.", watched, StringComparison.Ordinal);
        Assert.Contains(watched.Split('\n'), l => l.Contains("ETA", StringComparison.Ordinal) && !l.Contains("ETA measuring", StringComparison.Ordinal));

        // Nothing was lost: every job's recorded attempt ran once and ended well, the jobs handed back
        // ran again on another silo, and the joiner did its share.
        await using var gridClient = await _cluster.ConnectAsync();
        var client = gridClient.Client;
        var ids = await client.GetGrain<ISweepGrain>("scale").GetJobIdsAsync();
        var jobs = await Task.WhenAll(ids.Select(id => client.GetGrain<IExperimentGrain>(id).GetStatusAsync()));
        Assert.All(jobs, j => Assert.Equal(JobState.Succeeded, j.State));
        var runs = RunLog.Read(_cluster.RunLogPath);
        var byJob = runs.ToLookup(r => r.JobId);
        foreach (var job in jobs)
            Assert.Single(byJob[job.Id], r => r.Succeeded);
        var cut = runs.Where(r => drained.Owns(r.Silo) && !r.Succeeded).ToList();
        Assert.Equal(handedBack, cut.Count);
        Assert.All(cut, r => Assert.Equal("cancelled", r.Outcome));
        Assert.All(cut, r => Assert.Contains(byJob[r.JobId], o => o.Succeeded && !drained.Owns(o.Silo)));
        // A hand-back does not count as an attempt: the job's next run is the same attempt number.
        Assert.All(cut, r => Assert.Contains(byJob[r.JobId], o => o.Succeeded && o.Attempt == r.Attempt));
        var byJoiner = runs.Count(r => joiner.Owns(r.Silo) && r.Succeeded);
        Assert.True(byJoiner >= 10, $"the joining silo ran only {byJoiner} jobs");

        // The other silos answer on their dashboard, metrics and health endpoints.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var survivor = _cluster.Silos[1];
        var dashboard = await http.GetAsync($"http://127.0.0.1:{survivor.HttpPort}/dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{survivor.HttpPort}/metrics");
        var finished = Sample(metrics, "facerep_jobs_finished_total", "outcome=\"succeeded\"");
        var idle = Sample(metrics, "facerep_devices", "state=\"idle\"");
        Assert.True(finished >= 10, $"the survivor's metrics count {finished} finished jobs:\n{metrics}");
        Assert.Equal(2, idle);
        Assert.Contains("facerep_job_duration_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("facerep_queue_depth", metrics, StringComparison.Ordinal);
        var health = await http.GetAsync($"http://127.0.0.1:{survivor.HttpPort}/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("\"Healthy\"", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The console's read verbs see the finished sweep.
        (code, text) = await RunAsync("sweep", "status", "scale");
        Assert.True(code == 0, text);
        Assert.Matches(@"evaluation\s.*480/480", text);
        (code, text) = await RunAsync("sweep", "list", "--all");
        Assert.True(code == 0, text);
        Assert.Contains("scale", text, StringComparison.Ordinal);
        Assert.Contains("490/490", text, StringComparison.Ordinal);

        output.WriteLine($"490 jobs of 300 ms; a third silo joined at {joined.TotalSeconds:F1} s and started its first job {firstJobAfter.TotalSeconds:F1} s later " +
            $"({byJoiner} jobs in all); {drained.Name} got SIGTERM and handed back {handedBack} job(s); watch ended at {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(string.Join('\n', watched.Split('\n').TakeLast(8)));
    }

    [Fact]
    public async Task A_watch_survives_the_whole_cluster_going_down_and_coming_back()
    {
        // Arrange: 4 pre-training jobs and 96 evaluations of 300 ms on two silos.
        var spec = Path.Combine(_dir, "restart.yaml");
        await File.WriteAllTextAsync(spec, """
            name: restart
            pretrain:
              - {dataset: synth-curated, method: simclr, epochs: [1, 2]}
              - {dataset: synth-curated, method: byol, epochs: [1, 2]}
            tasks: [landmarks]
            shots: [0.05, 0.2]
            seeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
            """);
        var (code, text) = await RunAsync("sweep", "submit", spec);
        Assert.True(code == 0, text);
        using var watch = Start("sweep", "watch", "restart", "--plain");
        // A second watch stopped by SIGTERM stops watching, not the sweep: exit 143, one line saying so.
        using (var stopped = Start("sweep", "watch", "restart", "--plain"))
        {
            await stopped.WaitForLineAsync(l => DoneOf(l) is not null, TimeSpan.FromSeconds(90));
            stopped.Terminate();
            Assert.Equal(143, await stopped.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("Stopped watching sweep restart; it goes on in the cluster", stopped.Output, StringComparison.Ordinal);
        }

        await watch.WaitForLineAsync(l => DoneOf(l) is >= 10, TimeSpan.FromSeconds(90));

        // Act: every silo dies at once (SIGKILL); then they are restarted where they ran.
        var dead = _cluster.Silos.ToList();
        foreach (var silo in dead)
            silo.Kill();
        // A poll in flight when the silos die can wait out the client's 30 s response timeout before
        // it fails, and a loaded machine stretches that: the limit only stops a hang.
        await watch.WaitForLineAsync(l => l.Contains("connection lost", StringComparison.Ordinal), TimeSpan.FromSeconds(120));
        var replacements = dead.Select(_cluster.RestartSilo).ToList();
        await Task.WhenAll(replacements.Select(r => r.WaitReadyAsync(TimeSpan.FromSeconds(60))));
        var exit = await watch.WaitForExitAsync(TimeSpan.FromSeconds(180));

        // Assert: the same watch reconnected by itself and followed the sweep to its end.
        var watched = watch.Output;
        Assert.True(exit == 0, watched);
        Assert.Contains(watched.Split('\n'), l => l.Contains("reconnected after", StringComparison.Ordinal));
        Assert.Contains("Sweep restart finished: 100 succeeded, 0 failed, of 100.", watched, StringComparison.Ordinal);
        output.WriteLine(string.Join('\n', watched.Split('\n').Where(l => l.Contains("connection", StringComparison.Ordinal) || l.Contains("finished", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task The_console_names_what_is_wrong_with_a_sweep_id_or_a_cluster()
    {
        // An unknown sweep id: exit code 2, one line, and no sweep created by asking.
        foreach (var verb in new[] { "status", "watch", "cancel" })
        {
            var (code, text) = await RunAsync("sweep", verb, "no-such-sweep");
            Assert.True(code == 2, $"sweep {verb}: exit {code}\n{text}");
            Assert.Contains("has no sweep 'no-such-sweep'", text, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        }

        var (listCode, list) = await RunAsync("sweep", "list", "--all");
        Assert.True(listCode == 0, list);
        Assert.Contains("No sweeps have been submitted", list, StringComparison.Ordinal);

        // retry without saying which jobs.
        var (retryCode, retry) = await RunAsync("sweep", "retry", "no-such-sweep");
        Assert.Equal(2, retryCode);
        Assert.Contains("--failed", retry, StringComparison.Ordinal);

        // A Redis that answers, but no silo of this cluster id: exit code 3, the cluster named, the password not.
        var clock = Stopwatch.StartNew();
        var (code3, text3) = await FacerepConsole.RunAsync(_dir, ["cluster", "status", "--cluster", $"{_cluster.Redis.ConnectionString},password=hunter2-secret", "--cluster-id", "nobody-runs-this"]);
        Assert.True(code3 == 3, $"exit {code3}\n{text3}");
        Assert.Contains("cannot reach the cluster 'nobody-runs-this'", text3, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", text3, StringComparison.Ordinal);
        output.WriteLine($"unreachable cluster reported in {clock.Elapsed.TotalSeconds:F1} s: {text3.Trim()}");
    }

    /// <summary>The done count of a plain watch line (<c>[12:00:01] 37/250 done · …</c>).</summary>
    private static int? DoneOf(string line) =>
        DoneCount().Match(line) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>The sum of a Prometheus metric's samples whose labels contain <paramref name="label"/>.</summary>
    private static double Sample(string metrics, string name, string label) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private Task<(int, string)> RunAsync(params string[] args) =>
        FacerepConsole.RunAsync(_dir, [.. args, "--cluster", _cluster.Redis.ConnectionString, "--cluster-id", _cluster.Config.ClusterId]);

    private ChildProcess Start(params string[] args) =>
        FacerepConsole.Start(_dir, [.. args, "--cluster", _cluster.Redis.ConnectionString, "--cluster-id", _cluster.Config.ClusterId]);

    [GeneratedRegex(@"\] (\d+)/\d+ done")]
    private static partial Regex DoneCount();

    [GeneratedRegex(@"(\d+) handed back")]
    private static partial Regex HandedBack();
}
