using FaceRep.Results.Store;

namespace FaceRep.Results.Tests.Store;

public sealed class OutboxResultStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-outbox-{Guid.NewGuid():N}");

    private string DbPath => Path.Combine(_dir, "results.duckdb");

    private string OutboxPath => Path.Combine(_dir, "results-outbox.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ResultRow Row(string id, double nme, int attempt = 1) => new()
    {
        JobId = id,
        PretrainId = "pt",
        Pretrain = "simclr",
        PretrainDataset = "synth-curated",
        PretrainMethod = "simclr",
        Backbone = "resnet18",
        Width = 0.25,
        Input = 64,
        Task = "landmarks",
        Protocol = "linear",
        Shots = 0.1,
        Seed = 0,
        Metrics = new Dictionary<string, double> { ["nme_io"] = nme, ["fr_10"] = double.NaN },
        DurationSeconds = 1.5,
        FinishedUtc = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero),
        Device = "silo/cpu0",
        Attempt = attempt,
        Versions = "test",
    };

    private async Task<OutboxResultStore> OpenAsync(IResultStore? inner = null)
    {
        var store = new OutboxResultStore(inner ?? new DuckDbResultStore(DbPath), OutboxPath);
        await store.InitialiseAsync();
        return store;
    }

    [Fact]
    public async Task Rows_written_concurrently_are_all_read_back_moved_in_fewer_commits_than_writes()
    {
        await using var store = await OpenAsync();

        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => store.WriteAsync([Row($"job{i:D3}", i / 1000.0)])));
        var rows = await store.ReadAsync(null);

        Assert.Equal(300, rows.Count);
        Assert.Equal(0.123, rows.Single(r => r.JobId == "job123").Metrics["nme_io"], 12);
        // A metric that came out NaN is kept as NaN, not dropped.
        Assert.True(rows[0].Metrics.TryGetValue("fr_10", out var fr), "the NaN metric fr_10 was dropped");
        Assert.True(double.IsNaN(fr), $"fr_10 came back as {fr}");
        Assert.InRange(store.Moved.Commits, 1, 299);
        Assert.Equal(300, store.Moved.Rows);
    }

    [Fact]
    public async Task A_job_written_twice_keeps_one_row_with_the_latest_values()
    {
        await using var store = await OpenAsync();

        await store.WriteAsync([Row("job", 0.5, attempt: 1)]);
        await store.WriteAsync([Row("job", 0.25, attempt: 2)]);
        var rows = await store.ReadAsync(null);

        var row = Assert.Single(rows);
        Assert.Equal(2, row.Attempt);
        Assert.Equal(0.25, row.Metrics["nme_io"]);
    }

    [Fact]
    public async Task Results_the_store_refused_wait_in_the_outbox_and_arrive_when_it_is_opened_again()
    {
        var failing = new RefusingStore();
        var store = await OpenAsync(failing);
        await store.WriteAsync([Row("a", 0.1)]);
        await store.WriteAsync([Row("b", 0.2)]);

        // The write returned: the rows are durable in the outbox although the store refused them.
        var refused = await Assert.ThrowsAsync<IOException>(() => store.ReadAsync(null));
        Assert.Contains("store is down", refused.Message, StringComparison.Ordinal);
        await store.DisposeAsync();

        await using var reopened = await OpenAsync();
        var rows = await reopened.ReadAsync(null);
        Assert.Equal(["a", "b"], rows.Select(r => r.JobId).Order(StringComparer.Ordinal));
    }

    /// <summary>A store whose writes always fail (a database that is down).</summary>
    private sealed class RefusingStore : IResultStore
    {
        public Task InitialiseAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task WriteAsync(IReadOnlyCollection<ResultRow> rows, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("the store is down");

        public Task RecordSweepAsync(string sweep, IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task RecordSpecAsync(string sweep, string spec, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task WriteCurveAsync(JobCurve curve, CancellationToken cancellationToken = default) => throw new InvalidOperationException("the store is down");

        public Task<IReadOnlyList<JobCurve>> ReadCurvesAsync(string? sweep, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<JobCurve>>([]);

        public Task<SweepRecord?> ReadSweepAsync(string sweep, CancellationToken cancellationToken = default) => Task.FromResult<SweepRecord?>(null);

        public Task<IReadOnlyList<ResultRow>> ReadAsync(string? sweep, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<ResultRow>>([]);

        public Task<IReadOnlyList<SummaryRow>> SummariseAsync(string sweep, string metric, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<SummaryRow>>([]);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
