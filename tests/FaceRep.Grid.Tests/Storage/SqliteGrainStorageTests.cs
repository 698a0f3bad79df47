using FaceRep.Grid.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace FaceRep.Grid.Tests.Storage;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-sqlite-{Guid.NewGuid():N}");
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private string DbPath => Path.Combine(_dir, "state.db");

    private Serializer Serializer => _services.GetRequiredService<Serializer>();

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static GrainId Grain(int i) => GrainId.Create("test", $"g{i}");

    [Fact]
    public async Task A_written_state_is_read_back_after_the_file_is_reopened()
    {
        using (var storage = new SqliteGrainStorage(DbPath, Serializer))
        {
            var state = new GrainState<List<string>> { State = ["first"] };
            await storage.WriteStateAsync("s", Grain(1), state);
            state.State = ["second"];
            await storage.WriteStateAsync("s", Grain(1), state);
            Assert.Equal("2", state.ETag);
        }

        using var reopened = new SqliteGrainStorage(DbPath, Serializer);
        var read = new GrainState<List<string>>();
        await reopened.ReadStateAsync("s", Grain(1), read);
        Assert.True(read.RecordExists);
        Assert.Equal(["second"], read.State);
        Assert.Equal("2", read.ETag);

        var missing = new GrainState<List<string>>();
        await reopened.ReadStateAsync("s", Grain(2), missing);
        Assert.False(missing.RecordExists);
    }

    [Fact]
    public async Task A_stale_activation_cannot_overwrite_newer_state_and_others_in_its_batch_still_commit()
    {
        using var storage = new SqliteGrainStorage(DbPath, Serializer);
        var current = new GrainState<List<string>> { State = ["v1"] };
        await storage.WriteStateAsync("s", Grain(1), current);
        var stale = new GrainState<List<string>> { State = ["stale"], ETag = current.ETag };
        current.State = ["v2"];
        await storage.WriteStateAsync("s", Grain(1), current);

        var writes = Enumerable.Range(2, 20).Select(i => storage.WriteStateAsync("s", Grain(i), new GrainState<List<string>> { State = [$"g{i}"] })).ToList();
        var conflict = storage.WriteStateAsync("s", Grain(1), stale);
        await Assert.ThrowsAsync<InconsistentStateException>(() => conflict);
        await Task.WhenAll(writes);

        var read = new GrainState<List<string>>();
        await storage.ReadStateAsync("s", Grain(1), read);
        Assert.Equal(["v2"], read.State);
        var other = new GrainState<List<string>>();
        await storage.ReadStateAsync("s", Grain(7), other);
        Assert.Equal(["g7"], other.State);
    }

    [Fact]
    public async Task Concurrent_writes_share_commits()
    {
        using var storage = new SqliteGrainStorage(DbPath, Serializer);

        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => storage.WriteStateAsync("s", Grain(i), new GrainState<List<string>> { State = [$"{i}"] })));

        Assert.InRange(storage.Commits, 1, 250);
        var read = new GrainState<List<string>>();
        await storage.ReadStateAsync("s", Grain(499), read);
        Assert.Equal(["499"], read.State);
    }
}
