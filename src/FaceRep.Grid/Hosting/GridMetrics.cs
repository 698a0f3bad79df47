using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FaceRep.Core.Experiments;
using FaceRep.Grid.Workers;

namespace FaceRep.Grid.Hosting;

/// <summary>
/// The grid's metrics, on the meter <see cref="MeterName"/>: jobs finished here and how long they
/// took, this silo's devices busy and idle, and (from <see cref="ClusterMetricsPoller"/>) the
/// cluster's jobs by state and queue depth. A silo exports them (OpenTelemetry, Prometheus).
/// </summary>
public static class GridMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FaceRep.Grid";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<TrainingHost, byte> Hosts = new();
    private static readonly Counter<long> JobsFinished = Meter.CreateCounter<long>("facerep.jobs.finished", "{job}",
        "Jobs that ended on this silo, by kind and outcome (succeeded, failed, cancelled, handed_back).");
    private static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("facerep.job.duration", "s",
        "Wall time of the jobs that succeeded on this silo, by kind.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400] });

    private static volatile ClusterSnapshot s_cluster = new(new Dictionary<string, int>(), 0, false);

    static GridMetrics()
    {
        Meter.CreateObservableGauge("facerep.devices", ObserveDevices, "{device}",
            "This silo's devices by kind and state (busy: running a job; idle).");
        Meter.CreateObservableGauge("facerep.device.utilisation", ObserveUtilisation, "1",
            "Fraction of this silo's devices running a job.");
        Meter.CreateObservableGauge("facerep.silo.draining", () => Hosts.Keys.Any(h => h.Draining) ? 1 : 0, "1",
            "1 while this silo is draining (stopping: it takes no new jobs).");
        Meter.CreateObservableGauge("facerep.jobs", ObserveJobs, "{job}",
            "Jobs of the cluster's unfinished sweeps by state (waiting, ready, running, succeeded, failed).");
        Meter.CreateObservableGauge<int>("facerep.queue.depth", ObserveQueue, "{job}",
            "Ready jobs waiting in the dispatcher's queue, cluster-wide.");
        Meter.CreateObservableGauge("facerep.job.loss", () => ObserveTraining(p => p.Point.Loss), "1",
            "Mean training loss of the latest steps of each job training on this silo (by job, phase and device): a diverging job shows here before it fails.");
        Meter.CreateObservableGauge("facerep.job.images_per_second", () => ObserveTraining(p => p.Point.ImagesPerSecond), "{image}/s",
            "Training images per second of the latest steps of each job training on this silo.");
        Meter.CreateObservableGauge("facerep.job.knn_accuracy", () => ObserveTraining(p => p.Point.KnnAccuracy), "1",
            "Latest online k-NN identity accuracy (held-out probe) of each pre-training job on this silo.");
        Meter.CreateObservableGauge("facerep.job.progress", () => ObserveTraining(p => (double)p.Point.Step / p.Point.TotalSteps), "1",
            "Fraction of its steps each job training on this silo has taken.");
    }

    /// <summary>Counts a training host's devices in the gauges.</summary>
    public static void Track(TrainingHost host) => Hosts.TryAdd(host, 0);

    /// <summary>Stops counting a host.</summary>
    public static void Untrack(TrainingHost host) => Hosts.TryRemove(host, out _);

    /// <summary>Records a job that ended; <paramref name="seconds"/> for those that succeeded.</summary>
    public static void Finished(JobKind kind, string outcome, double? seconds)
    {
        var kindTag = new KeyValuePair<string, object?>("kind", kind == JobKind.Pretrain ? "pretrain" : "evaluate");
        JobsFinished.Add(1, kindTag, new KeyValuePair<string, object?>("outcome", outcome));
        if (seconds is { } s)
            JobDuration.Record(s, kindTag);
    }

    /// <summary>Publishes the latest view of the cluster's jobs and queue.</summary>
    public static void Publish(IReadOnlyDictionary<string, int> jobsByState, int queueDepth) =>
        s_cluster = new ClusterSnapshot(jobsByState, queueDepth, true);

    private static IEnumerable<Measurement<int>> ObserveDevices()
    {
        var devices = Hosts.Keys.SelectMany(h => h.Report()).ToList();
        foreach (var kind in devices.Select(d => d.Kind).Distinct())
        {
            var ofKind = devices.Where(d => d.Kind == kind).ToList();
            var busy = ofKind.Count(d => d.CurrentJob is not null);
            yield return new Measurement<int>(busy, new("kind", kind), new("state", "busy"));
            yield return new Measurement<int>(ofKind.Count - busy, new("kind", kind), new("state", "idle"));
        }
    }

    private static IEnumerable<Measurement<double>> ObserveUtilisation()
    {
        var devices = Hosts.Keys.SelectMany(h => h.Report()).ToList();
        if (devices.Count > 0)
            yield return new Measurement<double>(devices.Count(d => d.CurrentJob is not null) / (double)devices.Count);
    }

    private static IEnumerable<Measurement<int>> ObserveQueue()
    {
        var snapshot = s_cluster;
        if (snapshot.Known)
            yield return new Measurement<int>(snapshot.QueueDepth);
    }

    private static IEnumerable<Measurement<int>> ObserveJobs()
    {
        var snapshot = s_cluster;
        foreach (var (state, count) in snapshot.JobsByState)
            yield return new Measurement<int>(count, new KeyValuePair<string, object?>("state", state));
    }

    private static IEnumerable<Measurement<double>> ObserveTraining(Func<(string JobId, string Device, CurvePoint Point), double?> value)
    {
        foreach (var job in Hosts.Keys.SelectMany(h => h.Training()))
        {
            if (value(job) is { } v && double.IsFinite(v))
                yield return new Measurement<double>(v, new("job", job.JobId), new("phase", job.Point.Phase), new("device", job.Device));
        }
    }

    private sealed record ClusterSnapshot(IReadOnlyDictionary<string, int> JobsByState, int QueueDepth, bool Known);
}
