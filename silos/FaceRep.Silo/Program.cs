using System.Net;
using FaceRep.Grid.Hosting;
using FaceRep.Results.Store;
using FaceRep.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using StackExchange.Redis;

var builder = Host.CreateApplicationBuilder(args);
var settings = builder.Configuration.GetSection("FaceRep").Get<SiloSettings>() ?? new SiloSettings();
var problems = settings.Validate();
if (problems.Count > 0)
{
    foreach (var problem in problems)
        Console.Error.WriteLine($"error: {problem}");
    return 2;
}

var dataRoot = Path.GetFullPath(settings.DataRoot);
Directory.CreateDirectory(dataRoot);
Log.Logger = new LoggerConfiguration()
    .MinimumLevel.Information()
    .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
    .MinimumLevel.Override("Polly", LogEventLevel.Warning)
    // Orleans' watchdog reports a bogus stall (its first check measures from an unset time) once at start.
    .MinimumLevel.Override("Orleans.Runtime.Watchdog", LogEventLevel.Error)
    .MinimumLevel.Override("Orleans", LogEventLevel.Warning)
    .Enrich.FromLogContext()
    .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}")
    .WriteTo.File(new CompactJsonFormatter(), Path.Combine(dataRoot, "logs", "silo-.json"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14)
    .CreateLogger();
builder.Services.AddSerilog();

builder.UseOrleans(silo =>
{
    if (settings.Clustering == "redis")
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        if (string.IsNullOrWhiteSpace(settings.AdvertisedAddress))
        {
            silo.ConfigureEndpoints(Dns.GetHostName(), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
        }
        else
        {
            var address = IPAddress.Parse(settings.AdvertisedAddress);
            silo.ConfigureEndpoints(address, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
        }

        silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(settings.Redis!));
    }
    else
    {
        silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
    }

    // A stable name: result rows name the device they ran on by it, and dataset copies the silo holding them.
    silo.Configure<SiloOptions>(o => o.SiloName = settings.SiloName ?? $"{Dns.GetHostName()}-{settings.SiloPort}");

    silo.Configure<ClusterMembershipOptions>(o =>
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(settings.Membership.ProbeTimeoutSeconds);
        o.NumMissedProbesLimit = settings.Membership.MissedProbes;
        o.NumVotesForDeathDeclaration = settings.Membership.DeathVotes;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(settings.Membership.TableRefreshSeconds);
    });

    if (settings.State == "redis")
        silo.AddRedisGridStorage(settings.Redis!);
    else
        silo.AddSqliteGridStorage(Path.Combine(dataRoot, "state.db"));
    if (settings.Clustering == "redis")
        silo.AddRedisGridReminders(settings.Redis!);
    else
        silo.UseInMemoryReminderService();

    silo.AddFaceRepGrid(
        o =>
        {
            o.ArtifactRoot = settings.ArtifactRoot ?? Path.Combine(dataRoot, "artifacts");
            o.CpuSlots = settings.CpuSlots;
            o.Devices = settings.Devices;
            o.DatasetRoots = settings.DatasetRoots;
            o.ThreadsPerSlot = settings.ThreadsPerSlot;
            o.Executor = settings.Executor;
            o.LeaseDuration = TimeSpan.FromSeconds(settings.LeaseSeconds);
            o.HeartbeatInterval = TimeSpan.FromSeconds(settings.HeartbeatSeconds);
        },
        _ => new BatchingResultStore(settings.Results == "postgres"
            ? new PostgresResultStore(settings.Postgres!)
            : new DuckDbResultStore(Path.Combine(dataRoot, "results.duckdb"))));
});

try
{
    // Never the connection strings: they carry passwords.
    Log.Information("FaceRep silo starting: clustering {Clustering}, state {State}, results {Results}, trainer {Executor}, data in {DataRoot}",
        settings.Clustering, settings.State, settings.Results, settings.Executor, dataRoot);
    await builder.Build().RunAsync();
    return 0;
}
catch (Exception e)
{
    Log.Fatal(e, "The silo stopped");
    return 3;
}
finally
{
    await Log.CloseAndFlushAsync();
}
