using System.Data.Common;
using FaceRep.Core.Experiments;

namespace FaceRep.Results.Store;

/// <summary>A job's training curve as the store keeps it: its points in (phase, step) order.</summary>
/// <param name="JobId">The job (a pre-training's <c>pt-…</c> or an evaluation's <c>ev-…</c>).</param>
/// <param name="Points">The points.</param>
public sealed record JobCurve(string JobId, IReadOnlyList<CurvePoint> Points);

/// <summary>The curves table's SQL both stores share, and reading it back.</summary>
internal static class CurveRows
{
    /// <summary>The columns after <c>job_id</c>, in table order.</summary>
    public const string Columns = "phase, step, total_steps, loss, lr, images_per_s, knn, seconds";

    /// <summary>
    /// The curves of a sweep's jobs ($1, when <paramref name="sweep"/>) or of every job, ordered by job,
    /// phase and step; <paramref name="textOrder"/> follows each text column in ORDER BY.
    /// </summary>
    public static string ReadSql(bool sweep, string textOrder) => sweep
        ? $"SELECT c.job_id, {Prefixed("c")} FROM curves c JOIN sweep_jobs s ON s.job_id = c.job_id WHERE s.sweep = $1 ORDER BY c.job_id{textOrder}, c.phase{textOrder}, c.step"
        : $"SELECT job_id, {Columns} FROM curves ORDER BY job_id{textOrder}, phase{textOrder}, step";

    /// <summary>Reads the rows of <see cref="ReadSql"/> into one curve per job.</summary>
    public static async Task<IReadOnlyList<JobCurve>> ReadAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var curves = new List<JobCurve>();
        List<CurvePoint>? points = null;
        string? job = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            if (id != job)
            {
                job = id;
                points = [];
                curves.Add(new JobCurve(id, points));
            }

            points!.Add(new CurvePoint(
                reader.GetString(1), Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture),
                Nullable(reader, 4), Nullable(reader, 5), Nullable(reader, 6), Nullable(reader, 7), reader.GetDouble(8)));
        }

        return curves;
    }

    /// <summary>Checks a curve before it is written: one job, finite values, no step twice in a phase.</summary>
    public static void Validate(JobCurve curve)
    {
        ArgumentException.ThrowIfNullOrEmpty(curve.JobId);
        var seen = new HashSet<(string, long)>();
        foreach (var p in curve.Points)
        {
            if (!seen.Add((p.Phase, p.Step)))
                throw new ArgumentException($"curve of {curve.JobId} has step {p.Step} of phase {p.Phase} twice", nameof(curve));
        }
    }

    /// <summary>A value the store keeps as NULL: missing, or not finite (a loss that diverged is kept as NULL, as metrics are).</summary>
    public static double? Stored(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static double? Nullable(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetDouble(column);

    private static string Prefixed(string alias) => string.Join(", ", Columns.Split(", ").Select(c => $"{alias}.{c}"));
}
