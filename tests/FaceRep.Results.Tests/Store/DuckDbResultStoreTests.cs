using FaceRep.Results.Queries;
using FaceRep.Results.Store;

namespace FaceRep.Results.Tests.Store;

public sealed class DuckDbResultStoreTests : ResultStoreContract, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-results-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    protected override async Task<IResultStore> OpenAsync()
    {
        var store = new DuckDbResultStore(Path.Combine(_dir, "results.duckdb"));
        await store.InitialiseAsync();
        return store;
    }

    [Fact]
    public async Task A_sweeps_facts_are_rebuilt_after_any_write_and_kept_across_opens()
    {
        var query = ResultQuery.Parse("nme_io", "s", [], []);
        await using (var store = await OpenAsync())
        {
            await store.RecordSweepAsync("s", ["a", "b"]);
            await store.WriteAsync([Row("a", "scratch", 0.05, 0, 0.30)]);
            Assert.Equal(1, Assert.Single(await ((IResultQueries)store).QueryAsync(query)).Count);

            // Built for (s, nme_io) above; a later result, and a later member of the sweep, must show.
            await store.WriteAsync([Row("b", "scratch", 0.05, 1, 0.20), Row("c", "scratch", 0.05, 2, 0.10)]);
            Assert.Equal(2, Assert.Single(await ((IResultQueries)store).QueryAsync(query)).Count);
            await store.RecordSweepAsync("s", ["c"]);
            Assert.Equal(3, Assert.Single(await ((IResultQueries)store).QueryAsync(query)).Count);
        }

        // Another process (a later facerep results query) reads the facts built and writes more.
        await using (var store = await OpenAsync())
        {
            Assert.Equal(0.2, Assert.Single(await ((IResultQueries)store).QueryAsync(query)).Mean, 12);
            await store.WriteAsync([Row("c", "scratch", 0.05, 2, 0.40, attempt: 2)]);
        }

        await using var last = await OpenAsync();
        Assert.Equal(0.3, Assert.Single(await ((IResultQueries)last).QueryAsync(query)).Mean, 12);
    }
}
