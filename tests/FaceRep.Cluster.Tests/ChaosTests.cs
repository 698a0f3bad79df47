using Xunit.Abstractions;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// The chaos run in its short form (the full one, 2,000+ jobs, is <c>FaceRep.Bench chaos</c>; its
/// figures are in docs/RELIABILITY.md): silos SIGKILLed and restarted, Redis and PostgreSQL
/// restarted, the watching console killed, and every promise checked afterwards.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_sweep_keeps_every_result_through_killed_silos_restarted_servers_and_a_killed_console()
    {
        // Arrange: 6 pre-training jobs and 600 evaluations of 300 ms on 3 silos × 2 slots (about a
        // minute undisturbed); a blow every 6-10 s, so that each kind lands while the sweep runs.
        var options = new ChaosOptions
        {
            PretrainPerMethod = 3,
            Seeds = 50,
            Job = TimeSpan.FromMilliseconds(300),
            EveryMin = TimeSpan.FromSeconds(6),
            EveryMax = TimeSpan.FromSeconds(10),
            Timeout = TimeSpan.FromMinutes(8),
        };

        // Act
        var report = await new ChaosRun(options, output.WriteLine).RunAsync();
        foreach (var line in report.Describe())
            output.WriteLine(line);

        // Assert: every blow landed while the sweep ran, and every promise held.
        Assert.Equal(606, report.Jobs);
        foreach (var blow in new[] { "kill silo", "restart redis", "kill watcher", "restart postgres" })
            Assert.Contains(report.Events, e => e.What == blow);
        Assert.True(report.CutShort >= 1, "no kill cut a run short, so the run tested no re-lease");
        // The silos' log files, the run log and the spec were searched for the servers' passwords.
        Assert.True(report.FilesSearchedForSecrets >= options.Silos + 2, $"only {report.FilesSearchedForSecrets} files were searched for passwords");
        Assert.True(report.Problems.Count == 0, string.Join("\n", report.Describe()));
    }
}
