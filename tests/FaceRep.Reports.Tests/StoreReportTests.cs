using FaceRep.Cluster.Tests;
using FaceRep.Results.Store;

namespace FaceRep.Reports.Tests;

/// <summary>A PostgreSQL server for the class.</summary>
public sealed class ReportPostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The same sweep written to the embedded DuckDB store and to a real PostgreSQL server (the
/// cluster's store) gives the same report, word for word and number for number.
/// </summary>
public sealed class StoreReportTests(ReportPostgresFixture postgres) : IClassFixture<ReportPostgresFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-store-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<string> ReportOfAsync(IResultStore store)
    {
        await store.InitialiseAsync();
        var rows = PlantedStudy.Rows();
        await store.RecordSweepAsync("planted", rows.Select(r => r.JobId).Append("pt-one").ToList());
        await store.RecordSpecAsync("planted", PlantedStudy.Spec);
        foreach (var batch in rows.Chunk(37))
            await store.WriteAsync(batch);

        var record = await store.ReadSweepAsync("planted");
        Assert.NotNull(record);
        var report = SweepReport.Build("planted", await store.ReadAsync("planted"), (record.PretrainJobs, record.EvaluationJobs), "a store", record.Spec, 0.05,
            new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        return ReportWriter.Markdown(ReportDocument.Layout(report, charts: false));
    }

    [Fact]
    public async Task DuckDB_and_PostgreSQL_give_the_same_report()
    {
        string duck;
        await using (var store = new DuckDbResultStore(Path.Combine(_dir, "results.duckdb")))
            duck = await ReportOfAsync(store);
        await using var pg = new PostgresResultStore(await postgres.Server.CreateDatabaseAsync());
        var fromPostgres = await ReportOfAsync(pg);

        Assert.Equal(duck, fromPostgres);
        Assert.Contains("120 evaluation results of 120 evaluation jobs (1 pre-training job)", duck, StringComparison.Ordinal);
        Assert.Contains("```yaml\n" + PlantedStudy.Spec, duck, StringComparison.Ordinal);
        Assert.Contains("**Supported on landmarks; inconclusive on emotion", duck, StringComparison.Ordinal);
    }
}
