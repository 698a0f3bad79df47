using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace FaceRep.Cluster.Tests;

/// <summary>An Orleans client of a test's cluster, in a host of its own so it can be dropped and replaced.</summary>
public sealed class GridClient(IHost host) : IAsyncDisposable
{
    public IClusterClient Client { get; } = host.Services.GetRequiredService<IClusterClient>();

    /// <summary>
    /// Connects a client through the Redis membership table, as the silos found each other; it
    /// notices dead and new gateways within a couple of seconds, as the silos notice dead silos.
    /// </summary>
    public static async Task<GridClient> ConnectAsync(string redis, string clusterId, string serviceId, FaceRep.Grid.Hosting.GridTls? tls = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
            if (tls is not null)
                client.UseTls(tls.Configure);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new GridClient(host);
    }

    /// <summary>Drops the client as a crashed console would: no graceful stop.</summary>
    public ValueTask DisposeAsync()
    {
        host.Dispose();
        return ValueTask.CompletedTask;
    }
}
