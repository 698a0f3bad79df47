using FaceRep.Core.Experiments;
using FaceRep.Results.Store;

namespace FaceRep.Reports;

/// <summary>A pre-training source's curve: its job's points (loss, k-NN) in step order.</summary>
/// <param name="Source">The source's label, as the results name it.</param>
/// <param name="JobId">Its pre-training job.</param>
/// <param name="Points">The curve.</param>
public sealed record SourceCurve(string Source, string JobId, IReadOnlyList<CurvePoint> Points)
{
    /// <summary>The untrained backbone's k-NN accuracy (the curve's first measurement), if measured.</summary>
    public double? KnnStart => Points.FirstOrDefault(p => p.KnnAccuracy is not null)?.KnnAccuracy;

    /// <summary>The trained backbone's k-NN accuracy (the curve's last measurement), if measured after training.</summary>
    public double? KnnEnd => Points.Where(p => p.KnnAccuracy is not null).Skip(1).LastOrDefault()?.KnnAccuracy;

    /// <summary>Mean loss of the curve's first point.</summary>
    public double? LossFirst => Points.FirstOrDefault(p => p.Loss is not null)?.Loss;

    /// <summary>Mean loss of the curve's last point.</summary>
    public double? LossLast => Points.LastOrDefault(p => p.Loss is not null)?.Loss;
}

/// <summary>A task's head (probe or fine-tuning) loss for one source: the mean over its evaluations at each step.</summary>
/// <param name="Task">Task.</param>
/// <param name="Protocol">Protocol.</param>
/// <param name="Source">Pre-training source.</param>
/// <param name="Steps">Steps, ascending.</param>
/// <param name="Loss">Mean loss over the evaluations at each step.</param>
/// <param name="Evaluations">Evaluations averaged.</param>
public sealed record HeadCurve(string Task, string Protocol, string Source, IReadOnlyList<long> Steps, IReadOnlyList<double> Loss, int Evaluations);

/// <summary>The training curves a report shows: each pre-training source's, and the head loss per task and source.</summary>
/// <param name="Pretraining">Per source, in the report's source order.</param>
/// <param name="Heads">Per task, protocol and source.</param>
public sealed record TrainingCurves(IReadOnlyList<SourceCurve> Pretraining, IReadOnlyList<HeadCurve> Heads)
{
    /// <summary>No curves (results kept before curves were, or a sweep that trained nothing).</summary>
    public static TrainingCurves None { get; } = new([], []);

    /// <summary>Matches the stored curves to the sweep's results: a pre-training job by the results that name it, an evaluation by its row.</summary>
    public static TrainingCurves Of(IReadOnlyList<JobCurve> curves, IReadOnlyList<ResultRow> rows)
    {
        var sources = rows.GroupBy(r => r.PretrainId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Pretrain, StringComparer.Ordinal);
        var evaluations = rows.ToDictionary(r => r.JobId, StringComparer.Ordinal);
        var pretraining = curves
            .Where(c => sources.ContainsKey(c.JobId))
            .Select(c => new SourceCurve(sources[c.JobId], c.JobId, c.Points.Where(p => p.Phase == CurvePhases.Pretrain).ToList()))
            .Where(c => c.Points.Count > 0)
            .OrderBy(c => c.Source, StringComparer.Ordinal).ThenBy(c => c.JobId, StringComparer.Ordinal)
            .ToList();
        var heads = curves
            .Where(c => evaluations.ContainsKey(c.JobId))
            .Select(c => (Row: evaluations[c.JobId], Points: c.Points.Where(p => p.Phase == CurvePhases.Head && p.Loss is not null).ToList()))
            .Where(e => e.Points.Count > 0)
            .GroupBy(e => (Task: e.Row.Scope, e.Row.Protocol, e.Row.Pretrain))
            .Select(g =>
            {
                var byStep = g.SelectMany(e => e.Points).GroupBy(p => p.Step).OrderBy(s => s.Key).ToList();
                return new HeadCurve(g.Key.Task, g.Key.Protocol, g.Key.Pretrain, byStep.Select(s => s.Key).ToList(), byStep.Select(s => s.Average(p => p.Loss!.Value)).ToList(), g.Count());
            })
            .OrderBy(h => h.Task, StringComparer.Ordinal).ThenBy(h => h.Protocol, StringComparer.Ordinal).ThenBy(h => h.Source, StringComparer.Ordinal)
            .ToList();
        return new TrainingCurves(pretraining, heads);
    }
}
