using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FaceRep.Grid.Abstractions;
using FaceRep.Training.Runs;

namespace FaceRep.Grid.Workers;

/// <summary>
/// A trainer that trains nothing, for exercising a cluster (scheduling, failover, scale) without
/// TorchSharp: every run takes a fixed time (ending at once when cancelled) and yields a
/// <c>train_loss</c> that depends only on the job's id. Chosen with <c>FaceRep:Executor=sleep:200ms</c>.
/// <para>
/// Every run appends to a run log that all silos sharing the artifact root share: a line when it
/// starts and, unless its process dies first, a line when it ends, each
/// <c>jobId device silo attempt startTicks endTicks outcome</c> (UTC ticks; endTicks <c>-</c> and
/// outcome <c>started</c> on the first line; outcome <c>ok</c>, <c>cancelled</c> or <c>failed</c>
/// on the second). So one can check afterwards that no job ran twice at once, and which runs a
/// killed silo left unfinished. Each line is one write to the file opened for append under an
/// exclusive lock, so silos on one host (or a filesystem with working <c>flock</c>) never
/// interleave lines.
/// </para>
/// </summary>
public sealed class SleepJobExecutor : IJobExecutor
{
    /// <summary>The run log's file name under the artifact root.</summary>
    public const string RunLogName = "sleep-runs.log";

    private static readonly Lock Gate = new();
    private readonly TimeSpan _duration;
    private readonly long _memory;

    /// <summary>Creates the trainer.</summary>
    /// <param name="duration">How long each run takes.</param>
    /// <param name="runLogPath">The shared run log (its directory is created).</param>
    /// <param name="memory">Bytes each run holds, resident, while it sleeps.</param>
    public SleepJobExecutor(TimeSpan duration, string runLogPath, long memory = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(memory);
        _duration = duration;
        _memory = memory;
        RunLogPath = Path.GetFullPath(runLogPath);
        Directory.CreateDirectory(Path.GetDirectoryName(RunLogPath)!);
    }

    /// <summary>The run log this trainer appends to.</summary>
    public string RunLogPath { get; }

    /// <summary>The metric every run of <paramref name="jobId"/> reports: a number in [0, 1) fixed by the id.</summary>
    public static double MetricFor(string jobId) =>
        BinaryPrimitives.ReadUInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(jobId))) / (uint.MaxValue + 1.0);

    /// <inheritdoc />
    public JobOutcome Execute(JobDescriptor job, RunContext context)
    {
        var (silo, device) = WorkerKey.TryParse(context.Worker, out var key) ? (key.Silo, key.Device) : ("-", "-");
        var prefix = string.Create(CultureInfo.InvariantCulture, $"{job.Id} {device} {silo} {context.Attempt}");
        var start = DateTime.UtcNow;
        Append(string.Create(CultureInfo.InvariantCulture, $"{prefix} {start.Ticks} - started"));
        var outcome = "failed";
        var held = _memory > 0 ? System.Runtime.InteropServices.Marshal.AllocHGlobal((nint)_memory) : 0;
        try
        {
            // Touch every page, so the memory is resident as a trainer's would be.
            for (long page = 0; page < _memory; page += 4096)
                System.Runtime.InteropServices.Marshal.WriteByte(held + (nint)page, 1);
            if (context.Cancellation.WaitHandle.WaitOne(_duration))
            {
                outcome = "cancelled";
                context.Cancellation.ThrowIfCancellationRequested();
            }

            outcome = "ok";
            return new JobOutcome(new Dictionary<string, double> { ["train_loss"] = MetricFor(job.Id) }, null, DateTime.UtcNow - start);
        }
        finally
        {
            if (held != 0)
                System.Runtime.InteropServices.Marshal.FreeHGlobal(held);
            Append(string.Create(CultureInfo.InvariantCulture, $"{prefix} {start.Ticks} {DateTime.UtcNow.Ticks} {outcome}"));
        }
    }

    /// <summary>
    /// Appends one line in one write. .NET opens <see cref="FileMode.Append"/> without O_APPEND and
    /// writes at its own offset, so concurrent writers would overwrite each other; the exclusive
    /// share mode takes an advisory lock (flock) that other processes' writers also take.
    /// </summary>
    private void Append(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        lock (Gate)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    using var stream = new FileStream(RunLogPath, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 1);
                    stream.Write(bytes);
                    return;
                }
                catch (IOException) when (attempt < 500 && File.Exists(RunLogPath))
                {
                    // Another silo holds the lock for the microseconds of its write.
                    Thread.Sleep(2);
                }
            }
        }
    }
}
