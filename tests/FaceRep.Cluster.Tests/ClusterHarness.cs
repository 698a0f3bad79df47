using FaceRep.Grid.Workers;
using Xunit.Abstractions;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// A real cluster for one test: a throwaway Redis, silo processes sharing an artifact root, and
/// clients, all under a cluster id and service id of the test's own and a temporary directory.
/// </summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly List<SiloProcess> _silos = [];
    private readonly List<GridClient> _clients = [];
    private readonly ITestOutputHelper _output;
    private readonly DirectoryInfo _root;
    private int _siloCount;

    private ClusterHarness(ITestOutputHelper output, RedisServer redis, DirectoryInfo root, SiloConfig config)
    {
        _output = output;
        Redis = redis;
        _root = root;
        Config = config;
    }

    public RedisServer Redis { get; }

    public SiloConfig Config { get; }

    /// <summary>Every silo started, killed ones included, in start order.</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>The sleep trainer's run log that every silo appends to.</summary>
    public string RunLogPath => Path.Combine(Config.ArtifactRoot, SleepJobExecutor.RunLogName);

    /// <summary>Starts Redis and <paramref name="silos"/> silos, and waits until all have joined.</summary>
    /// <param name="output">The test's output, for what the silos complained about.</param>
    /// <param name="silos">How many silos.</param>
    /// <param name="configure">Changes to every silo's settings.</param>
    /// <param name="configureSilo">Changes to one silo's settings, by its index.</param>
    public static async Task<ClusterHarness> StartAsync(ITestOutputHelper output, int silos,
        Func<SiloConfig, SiloConfig>? configure = null, Func<int, SiloConfig, SiloConfig>? configureSilo = null)
    {
        var redis = await RedisServer.StartAsync();
        var root = Directory.CreateTempSubdirectory("facerep-cluster-");
        var id = $"facerep-test-{Guid.NewGuid():N}"[..24];
        var config = new SiloConfig { ClusterId = id, ServiceId = id, Redis = redis.ConnectionString, ArtifactRoot = Path.Combine(root.FullName, "artifacts") };
        var harness = new ClusterHarness(output, redis, root, configure?.Invoke(config) ?? config);
        try
        {
            var started = Enumerable.Range(0, silos).Select(i => harness.StartSilo(c => configureSilo?.Invoke(i, c) ?? c)).ToList();
            await Task.WhenAll(started.Select(s => s.WaitReadyAsync(StartTimeout)));
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more silo (call <see cref="SiloProcess.WaitReadyAsync"/> to wait for it to join).</summary>
    public SiloProcess StartSilo(Func<SiloConfig, SiloConfig>? configure = null)
    {
        var name = $"silo{++_siloCount}";
        var silo = SiloProcess.Start(name, configure?.Invoke(Config) ?? Config, Path.Combine(_root.FullName, name));
        _silos.Add(silo);
        return silo;
    }

    /// <summary>
    /// Starts a silo again on the address (ports) and data directory of one that died, as a
    /// process manager restarts it: the cluster sees the same endpoint with a newer generation and
    /// takes the old one for dead at once.
    /// </summary>
    public SiloProcess RestartSilo(SiloProcess dead)
    {
        var silo = SiloProcess.Start($"{dead.Name}'", Config, dead.DataRoot, [dead.SiloPort, dead.GatewayPort, dead.HttpPort]);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Connects a new client through the Redis membership table, as the silos found each other.</summary>
    public async Task<GridClient> ConnectAsync()
    {
        var client = await GridClient.ConnectAsync(Redis.ConnectionString, Config.ClusterId, Config.ServiceId);
        _clients.Add(client);
        return client;
    }

    /// <summary>
    /// Kills every silo and Redis, writes what the silos complained about to the test output, and
    /// deletes the directory (FACEREP_KEEP_CLUSTER_DIR=1 keeps it, with the silos' logs and the run log).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
            await client.DisposeAsync();
        foreach (var silo in _silos)
        {
            silo.Dispose();
            var problems = silo.Problems().ToList();
            if (problems.Count > 0)
                _output.WriteLine($"{silo.Name} (:{silo.SiloPort}) logged {problems.Count} warnings/errors; the first:\n  {string.Join("\n  ", problems.Take(15))}");
        }

        await Redis.DisposeAsync();
        if (Environment.GetEnvironmentVariable("FACEREP_KEEP_CLUSTER_DIR") == "1")
        {
            _output.WriteLine($"silo logs and the run log are kept in {_root.FullName}");
            return;
        }

        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is under the temp directory.
        }
    }
}
