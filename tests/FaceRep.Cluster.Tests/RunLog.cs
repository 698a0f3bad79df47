using System.Globalization;

namespace FaceRep.Cluster.Tests;

/// <summary>One run of a job by the sleep trainer, from its start line and (unless its silo died) its end line.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Device">The device of its silo that ran it (<c>cpu0</c>).</param>
/// <param name="Silo">The silo's address, <c>127.0.0.1:PORT@GENERATION</c>.</param>
/// <param name="Attempt">The lease's attempt number.</param>
/// <param name="Start">When it started (UTC).</param>
/// <param name="End">Null when the run never ended: its silo was killed during it.</param>
/// <param name="Outcome"><c>ok</c>, <c>cancelled</c>, <c>failed</c>, or <c>started</c> for a run that never ended.</param>
public sealed record Run(string JobId, string Device, string Silo, int Attempt, DateTime Start, DateTime? End, string Outcome)
{
    public bool Succeeded => Outcome == "ok";
}

/// <summary>Reads the run log the sleep trainer of every silo appends to (see SleepJobExecutor).</summary>
public static class RunLog
{
    public static IReadOnlyList<Run> Read(string path)
    {
        var started = new Dictionary<(string Job, string Device, string Silo, int Attempt, long Start), int>();
        var runs = new List<Run>();
        foreach (var line in File.ReadLines(path))
        {
            var f = line.Split(' ');
            if (f.Length != 7)
                throw new FormatException($"run log line '{line}' does not have 7 fields: two writers interleaved?");
            var attempt = int.Parse(f[3], CultureInfo.InvariantCulture);
            var start = long.Parse(f[4], CultureInfo.InvariantCulture);
            var key = (f[0], f[1], f[2], attempt, start);
            if (f[6] == "started")
            {
                if (!started.TryAdd(key, runs.Count))
                    throw new FormatException($"run log has two start lines for {key}");
                runs.Add(new Run(f[0], f[1], f[2], attempt, new DateTime(start, DateTimeKind.Utc), null, "started"));
            }
            else
            {
                if (!started.Remove(key, out var index))
                    throw new FormatException($"run log line '{line}' ends a run that never started");
                runs[index] = runs[index] with { End = new DateTime(long.Parse(f[5], CultureInfo.InvariantCulture), DateTimeKind.Utc), Outcome = f[6] };
            }
        }

        return runs;
    }
}
