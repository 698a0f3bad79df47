using System.Globalization;
using System.Net;
using FaceRep.Grid.Abstractions;
using Xunit.Abstractions;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// A silo told to stop while it runs a job that fits in its grace period: it stops taking work,
/// says so on its health and metrics endpoints, lets the job finish, and only then leaves.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DrainTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ClusterHarness _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ClusterHarness.StartAsync(output, silos: 2, configure: c => c with { Executor = "sleep:4s", DrainSeconds = 30 });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_draining_silo_reports_it_finishes_its_running_jobs_and_then_leaves()
    {
        // Arrange: 4 jobs of 4 s on two silos of two slots: each silo runs two at once.
        var expanded = Sweeps.Expand("drain", pretrainPerMethod: 2, seeds: 1);
        var submission = expanded with { Jobs = expanded.Jobs.Where(j => j.DependsOn is null).ToList() };
        Assert.Equal(4, submission.Jobs.Count);
        await using var gridClient = await _cluster.ConnectAsync();
        var sweep = gridClient.Client.GetGrain<ISweepGrain>("drain");
        Assert.True((await sweep.SubmitAsync(submission)).Accepted);
        var leaving = _cluster.Silos[0];
        await leaving.Process.WaitForLineAsync(l => l.Contains("TrainingHost: Job ", StringComparison.Ordinal) && l.Contains(" started on ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var baseUri = $"http://127.0.0.1:{leaving.HttpPort}";
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{baseUri}/health")).StatusCode);

        // Act: SIGTERM while its jobs run.
        leaving.Terminate();
        // The host logs this once it has stopped taking jobs (its jobs take 4 s more).
        await leaving.Process.WaitForLineAsync(l => l.Contains("Draining: no new jobs start here", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        var ready = await http.GetAsync($"{baseUri}/health");

        var body = await ready.Content.ReadAsStringAsync();
        var live = await http.GetAsync($"{baseUri}/health/live");
        var metrics = await http.GetStringAsync($"{baseUri}/metrics");
        var exit = await leaving.Process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var drained = await leaving.Process.WaitForLineAsync(l => l.Contains("Drained:", StringComparison.Ordinal), TimeSpan.FromSeconds(1));
        var status = await Sweeps.WaitAsync(gridClient.Client, "drain", s => s.IsComplete, TimeSpan.FromSeconds(60));

        // Assert: not ready but alive while draining, then a clean exit after its jobs finished.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("\"Degraded\"", body, StringComparison.Ordinal);
        Assert.Contains("draining", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("facerep_silo_draining{", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Equal(0, exit);
        Assert.Contains("0 handed back", drained, StringComparison.Ordinal);
        var finished = int.Parse(drained[(drained.IndexOf("Drained: ", StringComparison.Ordinal) + 9)..].Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.True(finished >= 1, drained);
        Assert.Equal((4, 4, 0), (status.Total, status.Succeeded, status.Failed));
        // Each job ran once: the drained silo's ran to the end there.
        var runs = RunLog.Read(_cluster.RunLogPath);
        Assert.Equal(4, runs.Count);
        Assert.All(runs, r => Assert.True(r.Succeeded, $"{r}"));
        Assert.Equal(finished, runs.Count(r => leaving.Owns(r.Silo)));
    }
}
