using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Grains;
using FaceRep.Grid.Placement;
using FaceRep.Grid.Storage;
using FaceRep.Grid.Workers;
using FaceRep.Results.Store;
using FaceRep.Training.Checkpoints;
using FaceRep.Training.Numerics;
using FaceRep.Training.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace FaceRep.Grid.Hosting;

/// <summary>Wires the grid into a silo.</summary>
public static class GridHosting
{
    /// <summary>
    /// Adds the grid's grains, placement, devices, training host and result store to a silo.
    /// Grain storage is added separately (<see cref="AddSqliteGridStorage"/> or Redis).
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="configure">Grid settings.</param>
    /// <param name="resultStore">
    /// Creates the result store, ready for many devices writing at once: in embedded mode DuckDB
    /// behind an <see cref="OutboxResultStore"/>; a shared store behind a <see cref="BatchingResultStore"/>.
    /// </param>
    public static ISiloBuilder AddFaceRepGrid(this ISiloBuilder builder, Action<GridOptions> configure, Func<IServiceProvider, IResultStore> resultStore)
    {
        var services = builder.Services;
        services.Configure(configure);
        services.TryAddKeyedSingleton(GridTime.Key, TimeProvider.System);
        services.AddPlacementDirector<SiloPinnedPlacement, SiloPinnedPlacementDirector>();
        services.AddSingleton(sp => Inventory(sp.GetRequiredService<IOptions<GridOptions>>().Value));
        services.AddSingleton(sp => new CheckpointStore(sp.GetRequiredService<IOptions<GridOptions>>().Value.ArtifactRoot));
        services.AddSingleton(sp => new JobRunner(sp.GetRequiredService<CheckpointStore>()));
        services.TryAddSingleton<IJobExecutor>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GridOptions>>().Value;
            var setting = ExecutorSetting.Parse(options.Executor, out var error)
                ?? throw new InvalidOperationException($"GridOptions.Executor: {error}");
            return setting.IsSleep ? new SleepJobExecutor(setting.SleepDuration, Path.Combine(options.ArtifactRoot, SleepJobExecutor.RunLogName), setting.SleepMemoryBytes)
                : setting.IsNoop ? new NoopJobExecutor()
                : new TorchJobExecutor(sp.GetRequiredService<JobRunner>());
        });
        services.AddSingleton(resultStore);
        // Initialised before anything starts (the silo among them), so no grain ever waits on it.
        services.AddHostedService<ResultStoreInitialiser>();
        services.AddSingleton<TrainingHost>();
        // Before any worker starts: a silo whose libtorch computes wrong numbers must not train.
        services.AddHostedService<NumericBackendCheck>();
        services.AddHostedService<WorkerStarter>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, GridDrain>();
        services.AddHostedService<DepartedSiloWatcher>();
        services.AddSingleton<Datasets.DatasetRootRegistration>();
        services.AddHostedService(sp => sp.GetRequiredService<Datasets.DatasetRootRegistration>());
        return builder;
    }

    /// <summary>The devices a silo with these settings offers.</summary>
    public static DeviceInventory Inventory(GridOptions options)
    {
        // Only the real trainer asks libtorch about GPUs (loading it costs a second and memory).
        var torch = ExecutorSetting.Parse(options.Executor, out _) is { IsSleep: false, IsNoop: false };
        return new DeviceInventory(options, torch ? Training.TorchRuntime.CudaDevices : null);
    }

    /// <summary>Reminders kept in Redis (cluster mode): they outlive any silo.</summary>
    public static ISiloBuilder AddRedisGridReminders(this ISiloBuilder builder, string connectionString) =>
        builder.UseRedisReminderService(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(connectionString));

    /// <summary>
    /// Grain state in Redis (cluster mode), written with Orleans' binary serializer, as the SQLite
    /// store is: the provider's default (Newtonsoft JSON with type names) took a sixth of a silo's
    /// CPU in a no-op sweep.
    /// </summary>
    public static ISiloBuilder AddRedisGridStorage(this ISiloBuilder builder, string connectionString)
    {
        builder.AddRedisGrainStorage(GridStorage.Name, options => options.Configure<Serializer>((o, serializer) =>
        {
            o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(connectionString);
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
        return builder;
    }

    /// <summary>Durable grain state in a local SQLite file (embedded mode).</summary>
    public static ISiloBuilder AddSqliteGridStorage(this ISiloBuilder builder, string path)
    {
        builder.Services.AddGrainStorage(GridStorage.Name, (sp, _) => new SqliteGrainStorage(path, sp.GetRequiredService<Serializer>()));
        return builder;
    }
}

/// <summary>
/// Drains the training host when the silo stops, first of all (the Active stage stops before the
/// silo leaves the cluster or deactivates its grains): no new jobs, running ones finish or are
/// handed back, and only then does the silo go.
/// </summary>
internal sealed class GridDrain(TrainingHost host, IOptions<GridOptions> options) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GridDrain), ServiceLifecycleStage.Active, _ => Task.CompletedTask,
            cancellationToken => host.DrainAsync(options.Value.DrainTimeout, cancellationToken));
}

/// <summary>
/// Initialises the result store (creates its tables, opens its files) before any hosted service
/// starts, the silo among them: grains that use it find it ready, and a store that cannot be
/// opened stops the silo from starting, with the store's own error.
/// </summary>
internal sealed class ResultStoreInitialiser(IResultStore store, ILogger<ResultStoreInitialiser> log) : IHostedLifecycleService
{
    /// <summary>How long a store that is restarting (a database coming back up) is waited for.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var error = await Backoff.RetryAsync(() => store.InitialiseAsync(cancellationToken), StoreErrors.IsTransient, Patience,
            (e, delay) => log.LogWarning("The result store is not ready ({Error}); trying again in {Delay} ms", e.Message, delay.TotalMilliseconds),
            cancellationToken);
        if (error is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Checks the numeric backend when a silo that trains with TorchSharp starts (see
/// <see cref="NumericSelfCheck"/>): a failing check falls back to libtorch's own convolution
/// kernels, and if those fail too the silo does not start.
/// </summary>
internal sealed class NumericBackendCheck(IJobExecutor executor, IOptions<GridOptions> options, ILogger<NumericBackendCheck> log) : IHostedLifecycleService
{
    // Before any hosted service starts (the silo itself among them): a silo that would compute
    // wrong numbers never joins the cluster.
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // Only the trainer that computes with libtorch needs it (a host may put another in place
        // of the one its settings name, as the tests' fake trainer does).
        if (executor is not TorchJobExecutor)
            return Task.CompletedTask;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var state = NumericSelfCheck.EnsureSound(warning => log.LogWarning("{Warning}", warning), options.Value.NumericTolerance);
        log.LogInformation("Numeric backend: {Backend}; self-check passed in {Seconds:F1} s", state, started.Elapsed.TotalSeconds);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Activates one worker grain per device of this silo once the silo is up.</summary>
internal sealed class WorkerStarter(IGrainFactory grains, ILocalSiloDetails silo, DeviceInventory devices, ILogger<WorkerStarter> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var device in devices.Devices)
        {
            var key = SiloPinnedPlacement.KeyFor(silo.SiloAddress, device.Name);
            // A silo that starts while the cluster still lists dead silos (all of them crashed and
            // come back) can have its first calls routed to one of those until membership catches
            // up: that passes, and is waited out rather than ending the silo's start.
            var error = await Backoff.RetryAsync(() => grains.GetGrain<IWorkerGrain>(key).StartAsync(), IsTransient, StartPatience,
                (e, wait) => log.LogWarning("Starting worker {Device} failed ({Error}); trying again in {Wait} s", device.Name, e.Message, wait.TotalSeconds),
                cancellationToken);
            if (error is not null)
                throw new InvalidOperationException($"worker {device.Name} did not start: {error.Message}", error);
        }

        log.LogInformation("Silo {Silo} serves {Count} device(s): {Devices}", silo.Name, devices.Devices.Count,
            string.Join(", ", devices.Devices.Select(d => $"{d.Name} ({d.Threads} thread{(d.Threads == 1 ? "" : "s")})")));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>How long a silo's start waits for its workers' first calls to get through.</summary>
    private static readonly TimeSpan StartPatience = TimeSpan.FromMinutes(2);

    private static bool IsTransient(Exception e) => e is OrleansMessageRejectionException or SiloUnavailableException or TimeoutException;
}

/// <summary>
/// Tells the dispatcher when silos are declared dead, so the jobs leased there run elsewhere at
/// once. Lease checks alone miss a job whose own grain lived on the dead silo: nothing would
/// reactivate it. Every silo reports what it sees; the dispatcher acts once per departed silo.
/// </summary>
internal sealed class DepartedSiloWatcher(IClusterMembershipService membership, IGrainFactory grains, ILogger<DepartedSiloWatcher> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HashSet<SiloAddress>? known = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var dead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToList();
                if (known is null)
                {
                    // Silos that died before this one started are the business of those that saw it.
                    known = [.. dead];
                    continue;
                }

                var departed = dead.Where(known.Add).Select(s => s.ToParsableString()).ToList();
                if (departed.Count == 0)
                    continue;
                try
                {
                    await grains.GetGrain<IDispatcherGrain>(0).SilosDepartedAsync(departed);
                }
                catch (Exception e) when (e is OrleansException or TimeoutException)
                {
                    log.LogWarning(e, "Could not tell the dispatcher that {Silos} left; lease checks will release their jobs", string.Join(", ", departed));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo is stopping.
        }
    }
}
