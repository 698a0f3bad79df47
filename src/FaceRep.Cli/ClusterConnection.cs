using System.CommandLine;
using FaceRep.Grid.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Spectre.Console;
using StackExchange.Redis;

namespace FaceRep.Cli;

/// <summary>
/// How the console reaches a cluster: <c>--cluster CONN</c> (or <c>FACEREP_CLUSTER</c>), a Redis
/// connection string as the silos' <c>FaceRep:Redis</c> (<c>host:port[,password=…][,ssl=true]</c>),
/// and <c>--cluster-id</c> / <c>--service-id</c> (or <c>FACEREP_CLUSTER_ID</c> /
/// <c>FACEREP_SERVICE_ID</c>) as the silos' ClusterId and ServiceId. Only the endpoints are ever
/// shown: the password stays out of output and logs.
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>The environment variable holding the connection string.</summary>
    public const string ConnectionVariable = "FACEREP_CLUSTER";

    /// <summary><c>--cluster</c>.</summary>
    public Option<string?> Connection { get; } = new("--cluster")
    {
        Description = $"The cluster's Redis, as the silos' FaceRep:Redis: host:port[,password=…][,ssl=true] (default: ${ConnectionVariable}).",
    };

    /// <summary><c>--cluster-id</c>.</summary>
    public Option<string?> ClusterId { get; } = new("--cluster-id")
    {
        Description = "The silos' ClusterId (default: $FACEREP_CLUSTER_ID, else facerep).",
    };

    /// <summary><c>--service-id</c>.</summary>
    public Option<string?> ServiceId { get; } = new("--service-id")
    {
        Description = "The silos' ServiceId (default: $FACEREP_SERVICE_ID, else the cluster id).",
    };

    /// <summary><c>--tls-cert</c>.</summary>
    public Option<string?> TlsCertificate { get; } = new("--tls-cert")
    {
        Description = "For a cluster on mutual TLS: this client's certificate with its key, .pfx or PEM (default: $FACEREP_TLS_CERT; its password, if any, from $FACEREP_TLS_CERT_PASSWORD).",
    };

    /// <summary><c>--tls-ca</c>.</summary>
    public Option<string?> TlsCa { get; } = new("--tls-ca")
    {
        Description = "For a cluster on mutual TLS: the cluster's certificate authority, PEM or DER (default: $FACEREP_TLS_CA).",
    };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Connection);
        command.Options.Add(ClusterId);
        command.Options.Add(ServiceId);
        command.Options.Add(TlsCertificate);
        command.Options.Add(TlsCa);
    }

    /// <summary>The TLS material asked for, null for none, or the problem with it.</summary>
    private (GridTls? Tls, string? Problem) ReadTls(ParseResult result)
    {
        var certificate = result.GetValue(TlsCertificate) ?? Environment.GetEnvironmentVariable("FACEREP_TLS_CERT");
        var authority = result.GetValue(TlsCa) ?? Environment.GetEnvironmentVariable("FACEREP_TLS_CA");
        if (string.IsNullOrWhiteSpace(certificate) && string.IsNullOrWhiteSpace(authority))
            return (null, null);
        if (string.IsNullOrWhiteSpace(certificate) || string.IsNullOrWhiteSpace(authority))
            return (null, "--tls-cert and --tls-ca (or FACEREP_TLS_CERT and FACEREP_TLS_CA) go together: give both for a cluster on mutual TLS");
        try
        {
            return (GridTls.Load(certificate, Environment.GetEnvironmentVariable("FACEREP_TLS_CERT_PASSWORD"), authority), null);
        }
        catch (InvalidOperationException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>
    /// Connects, or prints one line saying why not and returns null with the exit code: 2 when no
    /// or a malformed connection string was given, 3 when the cluster cannot be reached.
    /// </summary>
    public async Task<(ClusterConnection? Connection, int Exit)> ConnectAsync(ParseResult result, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var text = result.GetValue(Connection);
        var from = "--cluster";
        if (text is null)
            (text, from) = (Environment.GetEnvironmentVariable(ConnectionVariable), ConnectionVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            console.MarkupLine($"[red]error:[/] no cluster given: pass --cluster HOST:PORT[[,password=…]] or set {ConnectionVariable}");
            return (null, ExitCodes.BadInput);
        }

        ConfigurationOptions redis;
        try
        {
            redis = ConfigurationOptions.Parse(text);
        }
        catch (ArgumentException e)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {from} is not a Redis connection string: {Redact(e.Message, text)}");
            return (null, ExitCodes.BadInput);
        }

        if (redis.EndPoints.Count == 0)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {from} names no Redis endpoint; write HOST:PORT[[,password=…]]");
            return (null, ExitCodes.BadInput);
        }

        var (tls, problem) = ReadTls(result);
        if (problem is not null)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {problem}");
            return (null, ExitCodes.BadInput);
        }

        var clusterId = result.GetValue(ClusterId) ?? Environment.GetEnvironmentVariable("FACEREP_CLUSTER_ID") ?? "facerep";
        var serviceId = result.GetValue(ServiceId) ?? Environment.GetEnvironmentVariable("FACEREP_SERVICE_ID") ?? clusterId;
        var target = new ClusterTarget(text, clusterId, serviceId) { Tls = tls };
        try
        {
            return (await ClusterConnection.OpenAsync(target, cancellationToken), ExitCodes.Ok);
        }
        catch (Exception e) when (ClusterConnection.IsConnectionError(e))
        {
            console.MarkupLineInterpolated($"[red]error:[/] cannot reach the cluster '{clusterId}' at {target.Endpoints}: {Redact(ClusterConnection.Reason(e), text)}");
            return (null, ExitCodes.Unreachable);
        }
    }

    /// <summary>
    /// Connects and runs <paramref name="action"/> on the connection, then drops it. A cluster
    /// that cannot be reached, or that stops answering during the action, is one line and exit code 3.
    /// </summary>
    public async Task<int> WithConnectionAsync(ParseResult result, IAnsiConsole console, CancellationToken cancellationToken, Func<ClusterConnection, Task<int>> action)
    {
        var (connection, exit) = await ConnectAsync(result, console, cancellationToken);
        if (connection is null)
            return exit;
        await using (connection)
        {
            try
            {
                return await action(connection);
            }
            catch (Exception e) when (ClusterConnection.IsConnectionError(e))
            {
                console.MarkupLineInterpolated($"[red]error:[/] the cluster {connection.Target} stopped answering: {ClusterConnection.Reason(e)}");
                return ExitCodes.Unreachable;
            }
        }
    }

    /// <summary>Removes the connection string's password from a message.</summary>
    public static string Redact(string message, string connection)
    {
        try
        {
            var password = ConfigurationOptions.Parse(connection).Password;
            return string.IsNullOrEmpty(password) ? message : message.Replace(password, "***", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return message;
        }
    }
}

/// <summary>A cluster to connect to.</summary>
/// <param name="Redis">The Redis connection string (it may hold a password: never print it).</param>
/// <param name="ClusterId">The silos' ClusterId.</param>
/// <param name="ServiceId">The silos' ServiceId.</param>
public sealed record ClusterTarget(string Redis, string ClusterId, string ServiceId)
{
    /// <summary>The client's TLS material, for a cluster on mutual TLS.</summary>
    public GridTls? Tls { get; init; }

    /// <summary>The Redis endpoints, for messages.</summary>
    public string Endpoints => string.Join(", ", ConfigurationOptions.Parse(Redis).EndPoints.Select(Format));

    private static string Format(System.Net.EndPoint endpoint) => endpoint switch
    {
        System.Net.DnsEndPoint d => $"{d.Host}:{d.Port}",
        _ => endpoint.ToString() ?? "?",
    };

    /// <inheritdoc />
    public override string ToString() => $"{ClusterId} at {Endpoints}";
}

/// <summary>An Orleans client of a cluster, in a host of its own so that it can be dropped and opened again.</summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    /// <summary>How long connecting may take before the cluster counts as unreachable.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly IHost _host;

    private ClusterConnection(IHost host, ClusterTarget target)
    {
        _host = host;
        Target = target;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The cluster.</summary>
    public ClusterTarget Target { get; }

    /// <summary>The client.</summary>
    public IClusterClient Client { get; }

    /// <summary>Connects to a cluster through its Redis membership table.</summary>
    /// <exception cref="Exception">The cluster could not be reached within <see cref="ConnectTimeout"/>.</exception>
    public static async Task<ClusterConnection> OpenAsync(ClusterTarget target, CancellationToken cancellationToken)
    {
        // Redis first, so that a Redis that is down is named as such (the Orleans client would only
        // time out looking for gateways).
        var probe = ConfigurationOptions.Parse(target.Redis);
        probe.ConnectTimeout = 5000;
        probe.AbortOnConnectFail = true;
        probe.ConnectRetry = 1;
        using (var redis = await ConnectionMultiplexer.ConnectAsync(probe).WaitAsync(cancellationToken))
            await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o =>
            {
                o.ConfigurationOptions = ConfigurationOptions.Parse(target.Redis);
                o.ConfigurationOptions.ConnectTimeout = 5000;
                o.ConfigurationOptions.AbortOnConnectFail = true;
            });
            client.Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = target.ClusterId;
                o.ServiceId = target.ServiceId;
            });
            // Notice dead and new gateways within seconds, as the silos notice dead silos.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            if (target.Tls is { } tls)
                client.UseTls(tls.Configure);
        });
        var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token);
            return new ClusterConnection(host, target);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            throw new TimeoutException($"no silo answered within {ConnectTimeout.TotalSeconds:0} s");
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>A one-line reason for a failed connection or call.</summary>
    public static string Reason(Exception e)
    {
        var inner = e;
        while (inner.InnerException is { } next && inner is AggregateException or OrleansException)
            inner = next;
        var text = inner.Message.Split('\n')[0].Trim();
        if (inner is RedisConnectionException connection)
        {
            // Its message goes on with advice for the code that opened the connection; the failure type is the news.
            return connection.FailureType == ConnectionFailureType.AuthenticationFailure
                ? "Redis refused the password"
                : $"Redis did not answer ({connection.FailureType})";
        }

        if (text.Contains("gateway", StringComparison.OrdinalIgnoreCase))
            return $"no silo of this cluster is running ({text})";
        return text;
    }

    /// <summary>True for the errors a lost or unreachable cluster raises (worth reconnecting), not for bugs.</summary>
    public static bool IsConnectionError(Exception e) =>
        e is OrleansException or TimeoutException or RedisException or System.Net.Sockets.SocketException or ObjectDisposedException
        || (e is AggregateException a && a.InnerExceptions.All(IsConnectionError));

    /// <summary>Drops the client without waiting on a cluster that may be gone.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException || IsConnectionError(e))
        {
            // Leaving quietly: the cluster forgets a client that stops answering.
        }

        _host.Dispose();
    }
}
