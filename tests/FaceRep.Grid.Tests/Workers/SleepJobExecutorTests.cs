using System.Diagnostics;
using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Workers;
using FaceRep.Training.Runs;

namespace FaceRep.Grid.Tests.Workers;

public sealed class SleepJobExecutorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("facerep-sleep-").FullName;

    private string LogPath => Path.Combine(_directory, "artifacts", SleepJobExecutor.RunLogName);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_run_takes_its_time_reports_a_metric_fixed_by_the_job_and_logs_its_start_and_end()
    {
        var executor = new SleepJobExecutor(TimeSpan.FromMilliseconds(50), LogPath);
        var clock = Stopwatch.StartNew();

        var first = executor.Execute(Job("ev-a"), Context("ev-a", attempt: 2));
        var again = executor.Execute(Job("ev-a"), Context("ev-a", attempt: 3));
        var other = executor.Execute(Job("ev-b"), Context("ev-b", attempt: 1));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(150));
        Assert.Equal(first.Metrics["train_loss"], again.Metrics["train_loss"]);
        Assert.NotEqual(first.Metrics["train_loss"], other.Metrics["train_loss"]);
        Assert.InRange(first.Metrics["train_loss"], 0, 1);
        var lines = File.ReadAllLines(LogPath).Select(l => l.Split(' ')).ToList();
        Assert.Equal(6, lines.Count);
        Assert.Equal(["ev-a", "cpu1", "127.0.0.1:11111@1", "2"], lines[0][..4]);
        Assert.Equal(("-", "started"), (lines[0][5], lines[0][6]));
        Assert.Equal(lines[0][4], lines[1][4]);
        Assert.Equal("ok", lines[1][6]);
        Assert.True(long.Parse(lines[1][5], System.Globalization.CultureInfo.InvariantCulture) > long.Parse(lines[1][4], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_cancelled_run_ends_at_once_and_says_so()
    {
        var executor = new SleepJobExecutor(TimeSpan.FromMinutes(5), LogPath);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var clock = Stopwatch.StartNew();

        Assert.ThrowsAny<OperationCanceledException>(() => executor.Execute(Job("ev-a"), Context("ev-a", 1, cancellation.Token)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal("cancelled", File.ReadAllLines(LogPath)[^1].Split(' ')[6]);
    }

    [Fact]
    public void Runs_on_many_threads_at_once_never_interleave_their_lines()
    {
        var executors = Enumerable.Range(0, 4).Select(_ => new SleepJobExecutor(TimeSpan.FromMilliseconds(1), LogPath)).ToList();

        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            executors[i % executors.Count].Execute(Job($"ev-{i}"), Context($"ev-{i}", 1)));

        var lines = File.ReadAllLines(LogPath);
        Assert.Equal(800, lines.Length);
        Assert.All(lines, l => Assert.Equal(7, l.Split(' ').Length));
        Assert.Equal(400, lines.Where(l => l.EndsWith(" ok", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]).Distinct().Count());
    }

    private static JobDescriptor Job(string id) => new(id, JobKind.Evaluate, null, "{}");

    private static RunContext Context(string id, int attempt, CancellationToken cancellation = default) =>
        new() { JobId = id, Worker = "127.0.0.1:11111@1/cpu1", Attempt = attempt, Cancellation = cancellation };
}
