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
}
