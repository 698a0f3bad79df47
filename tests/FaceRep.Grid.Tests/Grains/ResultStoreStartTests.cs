using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Grains;
using FaceRep.Grid.Hosting;
using FaceRep.Grid.Workers;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace FaceRep.Grid.Tests.Grains;

/// <summary>The result store is made ready before the silo starts, never inside a grain's activation.</summary>
public sealed class ResultStoreStartTests
{
    [Fact]
    public async Task The_store_is_initialised_before_the_silo_starts_and_off_any_grain()
    {
        var store = new RecordingStore(fail: false);

        await using var cluster = await DeployAsync(store);

        Assert.True(store.Initialised.Task.IsCompleted);
        // Before the silo was active: no grain can have been waiting on it.
        Assert.NotEqual(SiloStatus.Active, store.SiloStatusAtInitialise);
        Assert.False(store.InitialisedOnGrainScheduler, "the store was initialised on a grain's scheduler, blocking it");
        Assert.Equal(0, (await cluster.Client.GetGrain<ISweepGrain>("nothing").GetStatusAsync()).Total);
    }

    [Fact]
    public async Task A_store_that_cannot_be_opened_stops_the_silo_from_starting_with_its_error()
    {
        var store = new RecordingStore(fail: true);

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var cluster = await DeployAsync(store);
        });

        Assert.Contains("the store's file is damaged", Flatten(error), StringComparison.Ordinal);
    }

    private static async Task<InProcessTestCluster> DeployAsync(RecordingStore store)
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(GridStorage.Name);
            silo.UseInMemoryReminderService();
            silo.AddFaceRepGrid(o =>
            {
                o.CpuSlots = 1;
                o.ArtifactRoot = Path.Combine(Path.GetTempPath(), $"facerep-store-start-{Guid.NewGuid():N}");
            }, sp =>
            {
                store.SiloStatus = () => sp.GetRequiredService<ISiloStatusOracle>().CurrentStatus;
                return store;
            });
            silo.Services.AddSingleton<IJobExecutor>(new FakeExecutor());
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : $"{e.Message} {Flatten(e.InnerException)}";

    private sealed class RecordingStore(bool fail) : MemoryResultStore
    {
        public TaskCompletionSource Initialised { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool InitialisedOnGrainScheduler { get; private set; }

        public Func<SiloStatus>? SiloStatus { get; set; }

        public SiloStatus? SiloStatusAtInitialise { get; private set; }

        public override Task InitialiseAsync(CancellationToken cancellationToken = default)
        {
            // A grain's turn runs under Orleans' activation task scheduler, not the default one.
            InitialisedOnGrainScheduler = TaskScheduler.Current != TaskScheduler.Default;
            SiloStatusAtInitialise = SiloStatus?.Invoke();
            if (fail)
                throw new InvalidDataException("the store's file is damaged");
            Initialised.TrySetResult();
            return Task.CompletedTask;
        }
    }
}
