using FaceRep.Cluster.Tests;
using FaceRep.Results.Store;

namespace FaceRep.Results.Tests.Store;

/// <summary>A PostgreSQL server for a test class (each test gets its own database).</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class PostgresResultStoreTests(PostgresFixture postgres) : ResultStoreContract, IClassFixture<PostgresFixture>
{
    private string? _database;

    protected override async Task<IResultStore> OpenAsync()
    {
        _database ??= await postgres.Server.CreateDatabaseAsync();
        var store = new PostgresResultStore(_database);
        await store.InitialiseAsync();
        return store;
    }

    [Fact]
    public async Task Silos_writing_overlapping_batches_at_once_leave_one_row_per_job()
    {
        // Eight stores, as eight silos would have, each writing the same 200 jobs in its own order.
        await using var first = await OpenAsync();
        var stores = new List<IResultStore> { first };
        for (var i = 1; i < 8; i++)
            stores.Add(await OpenAsync());
        var jobs = Enumerable.Range(0, 200).Select(i => $"ev-{i:D3}").ToList();
        await first.RecordSweepAsync("race", jobs);

        await Task.WhenAll(stores.Select((store, s) => Task.Run(async () =>
        {
            var order = jobs.OrderBy(j => (j.GetHashCode(StringComparison.Ordinal) * (s + 1)) & 0xffff).ToList();
            foreach (var batch in order.Chunk(25))
                await store.WriteAsync(batch.Select(j => Row(j, "scratch", 0.05, int.Parse(j[3..], System.Globalization.CultureInfo.InvariantCulture), 0.1 * (s + 1), attempt: s + 1)).ToList());
        })));

        var rows = await first.ReadAsync("race");
        Assert.Equal(jobs, rows.Select(r => r.JobId).Order(StringComparer.Ordinal));
        // Each row is whole: its metric came from the same write as its attempt.
        Assert.All(rows, r => Assert.Equal(0.1 * r.Attempt, r.Metrics["nme_io"], 12));
        foreach (var store in stores.Skip(1))
            await store.DisposeAsync();
    }

    [Fact]
    public async Task DuckDB_and_PostgreSQL_give_the_same_rows_and_summaries_for_the_same_writes()
    {
        var random = new Random(7);
        string[] sources = ["scratch", "synth-curated/simclr", "synth-video/byol"];
        string[] tasks = ["landmarks", "emotion"];
        var rows = (from source in sources
                    from task in tasks
                    from shots in new[] { 0.01, 0.1, 1.0 }
                    from seed in Enumerable.Range(0, 3)
                    select Row($"ev-{source}-{task}-{shots}-{seed}", source, shots, seed, random.NextDouble()) with
                    {
                        Task = task,
                        Metrics = new Dictionary<string, double> { ["nme_io"] = random.NextDouble(), ["icc"] = seed == 2 && shots == 0.01 ? double.NaN : random.NextDouble() },
                        DurationSeconds = random.NextDouble() * 100,
                        TrainIndices = $"{seed},{seed + 1}",
                    }).ToList();
        var rewritten = rows.Take(5).Select(r => r with { Attempt = 2, Metrics = new Dictionary<string, double> { ["nme_io"] = 0.5, ["icc"] = 0.25 } }).ToList();
        var directory = Directory.CreateTempSubdirectory("facerep-equivalence-");
        try
        {
            await using var duck = new DuckDbResultStore(Path.Combine(directory.FullName, "results.duckdb"));
            await using var pg = await OpenAsync();
            await duck.InitialiseAsync();
            foreach (var store in new IResultStore[] { duck, pg })
            {
                await store.RecordSweepAsync("same", rows.Select(r => r.JobId).ToList());
                await store.WriteAsync(rows.Take(30).ToList());
                await store.WriteAsync(rows.Skip(30).Concat(rewritten).ToList());
            }

            var fromDuck = await duck.ReadAsync("same");
            var fromPg = await pg.ReadAsync("same");
            Assert.Equal(rows.Count, fromPg.Count);
            Assert.Equal(fromDuck.Select(Describe), fromPg.Select(Describe));
            foreach (var metric in new[] { "nme_io", "icc" })
            {
                var a = await duck.SummariseAsync("same", metric);
                var b = await pg.SummariseAsync("same", metric);
                Assert.Equal(a.Select(r => (r.Pretrain, r.Task, r.Protocol, r.Shots, r.Count)), b.Select(r => (r.Pretrain, r.Task, r.Protocol, r.Shots, r.Count)));
                Assert.All(a.Zip(b), p =>
                {
                    Assert.Equal(p.First.Mean, p.Second.Mean, 12);
                    Assert.Equal(p.First.StdDev, p.Second.StdDev, 12);
                });
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Every field of a row as text, metrics sorted by name (NaN compares as text).</summary>
    private static string Describe(ResultRow r) =>
        string.Join('|', r.JobId, r.PretrainId, r.Pretrain, r.PretrainDataset ?? "null", r.PretrainMethod, r.Backbone, r.Width, r.Input, r.Task,
            r.Protocol, r.Shots, r.Seed, r.DurationSeconds.ToString("R", System.Globalization.CultureInfo.InvariantCulture), r.FinishedUtc.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            r.Device, r.Attempt, r.Versions, r.TrainIndices,
            string.Join(',', r.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}")));

    [Fact]
    public async Task A_store_on_an_unreachable_server_fails_with_the_connection_error()
    {
        await using var store = new PostgresResultStore($"Host=127.0.0.1;Port={ChildProcess.FreePort()};Username=facerep;Password=x;Database=none;Timeout=3");

        var e = await Assert.ThrowsAnyAsync<Exception>(() => store.InitialiseAsync());

        Assert.True(e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException, e.GetType().Name);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_the_password_is_not_in_the_error()
    {
        var good = await postgres.Server.CreateDatabaseAsync();
        var bad = good.Replace(postgres.Server.Password, "not-the-password-" + Guid.NewGuid().ToString("N"), StringComparison.Ordinal);
        await using var store = new PostgresResultStore(bad);

        var e = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => store.InitialiseAsync());

        Assert.Equal("28P01", e.SqlState);   // invalid_password
        Assert.DoesNotContain("not-the-password", e.ToString(), StringComparison.Ordinal);
    }
}
