using System.Net;
using System.Net.Sockets;
using FaceRep.Results.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FaceRep.Grid.Hosting;

/// <summary>Where embedded mode keeps everything, all under one output directory so a second run resumes.</summary>
/// <param name="Root">The output directory (default ./facerep-out).</param>
public sealed record EmbeddedPaths(string Root)
{
    /// <summary>Durable grain state.</summary>
    public string State => Path.Combine(Root, "state.db");

    /// <summary>The result store.</summary>
    public string Results => Path.Combine(Root, "results.duckdb");

    /// <summary>Results written but not yet moved to the result store (see <see cref="OutboxResultStore"/>).</summary>
    public string ResultsOutbox => Path.Combine(Root, "results-outbox.db");

    /// <summary>Checkpoints.</summary>
    public string Artifacts => Path.Combine(Root, "artifacts");
}

/// <summary>
/// Embedded mode: one process hosts a silo (localhost clustering on free loopback ports,
/// SQLite state, DuckDB results, local artifacts) and talks to it through its in-process client.
/// </summary>
public sealed class EmbeddedGrid : IAsyncDisposable
{
    private readonly IHost _host;

    private EmbeddedGrid(IHost host, EmbeddedPaths paths)
    {
        _host = host;
        Paths = paths;
    }

    /// <summary>The directory layout.</summary>
    public EmbeddedPaths Paths { get; }

    /// <summary>The client of the in-process silo.</summary>
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>The result store the silo writes to.</summary>
    public IResultStore Results => _host.Services.GetRequiredService<IResultStore>();

    /// <summary>
    /// Stops the silo's workers: no new job starts, running ones are stopped at their next step and
    /// handed back to the queue (their attempt does not count). The grains still answer afterwards.
    /// </summary>
    public Task DrainAsync(CancellationToken cancellationToken) =>
        _host.Services.GetRequiredService<Workers.TrainingHost>().DrainAsync(TimeSpan.Zero, cancellationToken);

    /// <summary>Starts the silo.</summary>
    /// <param name="paths">Output layout.</param>
    /// <param name="configureServices">Logging and extra services, e.g. a different job executor for tests.</param>
    /// <param name="configure">Extra grid settings (slots, threads).</param>
    /// <param name="cancellationToken">Abandons the start.</param>
    public static async Task<EmbeddedGrid> StartAsync(EmbeddedPaths paths, Action<IServiceCollection> configureServices, Action<GridOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(paths.Root);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = paths.Root });
        // The process that embeds the silo decides what Ctrl-C means (see SignalFreeLifetime).
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        configureServices(builder.Services);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort(), serviceId: "facerep", clusterId: "facerep-embedded");
            silo.AddSqliteGridStorage(paths.State);
            // One process: the reminder lives as long as it does, and a restart re-registers it.
            silo.UseInMemoryReminderService();
            silo.AddFaceRepGrid(
                options =>
                {
                    options.ArtifactRoot = paths.Artifacts;
                    configure?.Invoke(options);
                },
                _ => new OutboxResultStore(new DuckDbResultStore(paths.Results), paths.ResultsOutbox));
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            // Not stopped: a silo that did not reach Running refuses to stop, and that refusal
            // would hide why it did not start.
            if (host is IAsyncDisposable d)
                await d.DisposeAsync();
            else
                host.Dispose();
            throw;
        }

        return new EmbeddedGrid(host, paths);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => StopAsync(_host);

    /// <summary>Stops the silo (draining its workers: running jobs stop at their next step and go back to the queue) and disposes it.</summary>
    private static async ValueTask StopAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await host.StopAsync(timeout.Token);
        }
        finally
        {
            if (host is IAsyncDisposable d)
                await d.DisposeAsync();
            else
                host.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
