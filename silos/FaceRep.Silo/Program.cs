using System.Net;
using FaceRep.Grid.Hosting;
using FaceRep.Results.Store;
using FaceRep.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Orleans.Configuration;
using Orleans.Dashboard;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using StackExchange.Redis;

// Before anything else runs: oneDNN reads its ISA cap from the native environment (see NumericBackend).
FaceRep.Training.Numerics.NumericBackend.CapIsa();

// Settings come from appsettings.json, FaceRep__* environment variables and --FaceRep:Key=value,
// read once before the host is built: whether it serves HTTP decides which host it is.
var configuration = new ConfigurationBuilder()
    .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables()
    .AddCommandLine(args)
    .Build();
var settings = configuration.GetSection("FaceRep").Get<SiloSettings>() ?? new SiloSettings();
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

WebApplicationBuilder? web = null;
IHostApplicationBuilder builder;
if (settings.HttpPort > 0)
{
    web = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    var loopback = IPAddress.TryParse(settings.AdvertisedAddress, out var advertised) && IPAddress.IsLoopback(advertised);
    web.WebHost.ConfigureKestrel(k =>
    {
        if (loopback)
            k.Listen(IPAddress.Loopback, settings.HttpPort);
        else
            k.ListenAnyIP(settings.HttpPort);
    });
    builder = web;
}
else
{
    builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
}

builder.Services.AddSerilog();
// SIGTERM drains while the silo (and its health and metrics endpoints) is fully up, then stops it.
builder.Services.AddSingleton<IHostLifetime, DrainingLifetime>();
// Stopping drains first (see DrainSeconds); the host must wait for that and for leaving the cluster.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.DrainSeconds + 30));

builder.UseOrleans(silo =>
{
    if (settings.Clustering == "redis")
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        if (settings.Kubernetes)
        {
            // Name, address and ids from the pod; the ports stay ours.
            silo.UseKubernetesHosting();
            silo.Configure<EndpointOptions>(o =>
            {
                o.SiloPort = settings.SiloPort;
                o.GatewayPort = settings.GatewayPort;
            });
        }
        else if (string.IsNullOrWhiteSpace(settings.AdvertisedAddress))
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

    // Mutual TLS between silos and from clients (see GridTls).
    if (settings.Tls is { } tls)
        silo.UseTls(tls.Configure);

    // A stable name: result rows name the device they ran on by it, and dataset copies the silo holding them.
    if (!settings.Kubernetes)
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
            o.MaxSweepJobs = settings.MaxSweepJobs;
            o.ImportRoots = settings.ImportRoots;
            o.JobTimeBudget = TimeSpan.FromMinutes(settings.JobTimeBudgetMinutes);
            o.JobMemoryBudgetBytes = settings.JobMemoryBudgetMB << 20;
            o.HeartbeatInterval = TimeSpan.FromSeconds(settings.HeartbeatSeconds);
            o.DrainTimeout = TimeSpan.FromSeconds(settings.DrainSeconds);
            o.NumericTolerance = settings.NumericTolerance;
        },
        _ => new BatchingResultStore(settings.Results == "postgres"
            ? new PostgresResultStore(settings.Postgres!)
            : new DuckDbResultStore(Path.Combine(dataRoot, "results.duckdb"))));
    if (web is not null)
        silo.AddDashboard();
});

if (web is null)
{
    await RunAsync(((HostApplicationBuilder)builder).Build());
    return Environment.ExitCode;
}

web.Services.AddSingleton(sp => new ClusterMetricsPoller(
    sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ClusterMetricsPoller>>(), TimeSpan.FromSeconds(5)));
web.Services.AddHostedService(sp => sp.GetRequiredService<ClusterMetricsPoller>());
web.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddMeter(GridMetrics.MeterName, "Microsoft.Orleans")
    .AddPrometheusExporter());
web.Services.AddHealthChecks().AddCheck<SiloHealthCheck>("silo");
var app = web.Build();
app.MapOrleansDashboard(routePrefix: "/dashboard");
app.MapPrometheusScrapingEndpoint("/metrics");
app.MapHealthChecks("/health", SiloHealthCheck.Options(ready: true));
app.MapHealthChecks("/health/live", SiloHealthCheck.Options(ready: false));
app.MapGet("/", () => Microsoft.AspNetCore.Http.Results.Redirect("/dashboard"));
await RunAsync(app);
return Environment.ExitCode;

static async Task RunAsync(IHost host)
{
    try
    {
        var settings = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GridOptions>>().Value;
        // Never the connection strings: they carry passwords.
        Log.Information("FaceRep silo starting: trainer {Executor}, artifacts in {ArtifactRoot}, drain {Drain} s",
            settings.Executor, settings.ArtifactRoot, settings.DrainTimeout.TotalSeconds);
        await host.RunAsync();
        Log.Information("FaceRep silo stopped");
    }
    catch (Exception e)
    {
        Log.Fatal(e, "The silo stopped");
        Environment.ExitCode = 3;
    }
    finally
    {
        await Log.CloseAndFlushAsync();
    }
}
