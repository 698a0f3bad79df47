using System.CommandLine;
using System.Globalization;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Grains;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary><c>facerep cluster status</c>: the silos, their devices and what they run, and the queues.</summary>
public static class ClusterCommands
{
    /// <summary>The <c>cluster</c> verb.</summary>
    public static Command Create()
    {
        var command = new Command("cluster", "Look at a cluster (--cluster or FACEREP_CLUSTER).");
        command.Subcommands.Add(Status());
        return command;
    }

    private static Command Status()
    {
        var cluster = new ClusterOptions();
        var command = new Command("status", "The cluster's silos (devices, busy and idle workers, draining), and the ready jobs queued per sweep.");
        cluster.AddTo(command);
        command.SetAction((result, cancellationToken) => cluster.WithConnectionAsync(result, AnsiConsole.Console, cancellationToken, async connection =>
        {
            await WriteAsync(connection, AnsiConsole.Console);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The kinds of device (gpu, cpu) the cluster's active silos have.</summary>
    internal static async Task<IReadOnlySet<string>> DeviceKindsAsync(ClusterConnection connection) =>
        (await SilosAsync(connection.Client)).SelectMany(s => s.Report?.Devices ?? []).Select(d => d.Kind).ToHashSet(StringComparer.Ordinal);

    /// <summary>The imported sets the active silos hold (a set held by several silos once per silo).</summary>
    internal static async Task<IReadOnlyList<Data.ImageSets.CatalogEntry>> HeldDatasetsAsync(ClusterConnection connection) =>
        (await SilosAsync(connection.Client)).SelectMany(s => s.Report?.Datasets ?? [])
            .Select(d => new Data.ImageSets.CatalogEntry(d.Name, d.Directory, Data.ImageSets.ImageSet.FromJson(d.ManifestJson)))
            .ToList();

    /// <summary>The imported benchmarks the active silos hold (one held by several silos once per silo).</summary>
    internal static async Task<IReadOnlyList<Data.ImageSets.BenchmarkEntry>> HeldBenchmarksAsync(ClusterConnection connection) =>
        (await SilosAsync(connection.Client)).SelectMany(s => s.Report?.Benchmarks ?? [])
            .Select(d => new Data.ImageSets.BenchmarkEntry(d.Name, d.Directory, Data.Benchmarks.Benchmark.FromJson(d.ManifestJson)))
            .ToList();

    /// <summary>The active silos, each with its host's report (null when it did not answer within 10 s).</summary>
    private static async Task<(MembershipEntry Host, SiloReport? Report)[]> SilosAsync(IClusterClient client)
    {
        var hosts = await client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        return await Task.WhenAll(hosts.Select(async h =>
        {
            try
            {
                return (h, (SiloReport?)await client.GetGrain<ISiloHostGrain>(SiloHostGrain.KeyFor(h.SiloAddress)).GetReportAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            }
            catch (Exception e) when (ClusterConnection.IsConnectionError(e))
            {
                return (h, null);
            }
        }));
    }

    private static async Task WriteAsync(ClusterConnection connection, IAnsiConsole console)
    {
        var client = connection.Client;
        var reports = await SilosAsync(client);
        var silos = new Table().Title($"Cluster {Markup.Escape(connection.Target.ToString())}: {reports.Length} silo(s)")
            .AddColumns("silo", "address", "status", "devices", "busy", "idle", "jobs done", "up", "trainer", "running");
        var now = DateTime.UtcNow;
        foreach (var (host, report) in reports.OrderBy(r => r.Host.SiloName, StringComparer.Ordinal))
        {
            if (report is null)
            {
                silos.AddRow(Markup.Escape(host.SiloName ?? "?"), Markup.Escape(host.SiloAddress?.ToString() ?? "?"), $"{host.Status}", "[yellow]not answering[/]", "", "", "", "", "", "");
                continue;
            }

            var busy = report.Devices.Count(d => d.CurrentJob is not null);
            var kinds = string.Join(" ", report.Devices.GroupBy(d => d.Kind).Select(g => $"{g.Key}×{g.Count()}"));
            var running = string.Join(" ", report.Devices.Select(d => d.CurrentJob is { } job ? $"{d.Name}:{job[..Math.Min(8, job.Length)]}" : null).OfType<string>());
            silos.AddRow(Markup.Escape(report.Name), Markup.Escape(host.SiloAddress.ToString()),
                report.Draining ? "[yellow]draining[/]" : $"{host.Status}", kinds, $"{busy}", $"{report.Devices.Count - busy}",
                $"{report.JobsFinished}", Up(now - report.StartedUtc), Markup.Escape(report.Executor), Markup.Escape(running));
        }

        console.Write(silos);
        var devices = reports.Where(r => r.Report is not null).SelectMany(r => r.Report!.Devices).ToList();
        var busyAll = devices.Count(d => d.CurrentJob is not null);
        var queues = await client.GetGrain<IDispatcherGrain>(0).GetQueuesAsync();
        console.MarkupLineInterpolated($"{devices.Count} device(s): {busyAll} busy, {devices.Count - busyAll} idle. {queues.Sum(q => q.Ready)} ready job(s) queued.");
        if (queues.Count > 0)
        {
            var table = new Table().AddColumn("sweep").AddColumn(new TableColumn("priority").RightAligned()).AddColumn(new TableColumn("ready").RightAligned());
            foreach (var q in queues)
                table.AddRow(Markup.Escape(q.Sweep), q.Priority.ToString(CultureInfo.InvariantCulture), q.Ready.ToString(CultureInfo.InvariantCulture));
            console.Write(table);
        }
    }

    private static string Up(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{(int)t.TotalDays}d{t.Hours:00}h" : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : $"{t.Minutes}m{t.Seconds:00}s";
}
