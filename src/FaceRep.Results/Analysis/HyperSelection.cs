using FaceRep.Core.Metrics;
using FaceRep.Results.Store;

namespace FaceRep.Results.Analysis;

/// <summary>The learning rate kept for one (source, task, protocol, shots, seed) cell of a tuned sweep.</summary>
/// <param name="Pretrain">Pre-training source.</param>
/// <param name="Task">Task.</param>
/// <param name="Protocol">Protocol.</param>
/// <param name="Shots">Shot fraction.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Metric">The validation metric the choice was made on.</param>
/// <param name="Chosen">The learning rate kept.</param>
/// <param name="Candidates">Every learning rate run, with its validation value (NaN when it has none).</param>
public sealed record HyperChoice(
    string Pretrain, string Task, string Protocol, double Shots, int Seed, string Metric, double Chosen,
    IReadOnlyList<(double LearningRate, double Validation)> Candidates);

/// <summary>Result rows after hyper-parameter selection, and what was chosen.</summary>
/// <param name="Rows">
/// The study's rows, one per cell: the kept run where several were tuned, the only one elsewhere.
/// Ceiling runs are not among them (see <see cref="Ceiling"/>).
/// </param>
/// <param name="Choices">The choices made, one per tuned cell.</param>
/// <param name="Unselectable">Tuned cells left out because no run had a finite validation metric.</param>
public sealed record HyperSelectionResult(IReadOnlyList<ResultRow> Rows, IReadOnlyList<HyperChoice> Choices, int Unselectable)
{
    /// <summary>
    /// The sweep's ceiling runs (protocol <see cref="Core.Specs.KnownNames.CeilingProtocol"/>): a
    /// reference beside the sources, so kept out of <see cref="Rows"/>, which every ranking,
    /// comparison and conclusion reads.
    /// </summary>
    public IReadOnlyList<ResultRow> Ceiling { get; init; } = [];
}

/// <summary>
/// The honest protocol for tuned sweeps: where a cell (pre-training job, task, protocol, shots,
/// seed) ran several learning rates, the run with the best validation value of the task's headline
/// metric (<c>val_</c>-prefixed, measured on the validation split) is kept and only its test
/// metrics are analysed. Test metrics never take part in the choice. Equal validation values keep
/// the smaller learning rate, so the choice is deterministic.
/// </summary>
public static class HyperSelection
{
    /// <summary>Selects one run per cell, and sets the ceiling runs apart.</summary>
    public static HyperSelectionResult Select(IReadOnlyList<ResultRow> rows)
    {
        var kept = new List<ResultRow>(rows.Count);
        var choices = new List<HyperChoice>();
        var unselectable = 0;
        var ceiling = rows.Where(IsCeiling).ToList();
        foreach (var cell in rows.Where(r => !IsCeiling(r)).GroupBy(r => (r.PretrainId, Task: r.Scope, r.Protocol, r.Shots, r.Seed)))
        {
            var runs = cell.ToList();
            if (runs.Count == 1)
            {
                kept.Add(runs[0]);
                continue;
            }

            var headline = MetricDefinitions.ForTask(cell.Key.Task)[0];
            var metric = MetricDefinitions.ValidationPrefix + headline.Name;
            var candidates = runs
                .Select(r => (Row: r, Validation: r.Metrics.TryGetValue(metric, out var v) && double.IsFinite(v) ? v : double.NaN))
                .OrderBy(c => c.Row.LearningRate)
                .ToList();
            var finite = candidates.Where(c => !double.IsNaN(c.Validation)).ToList();
            if (finite.Count == 0)
            {
                unselectable++;
                continue;
            }

            var best = headline.Direction == MetricDirection.LowerIsBetter
                ? finite.OrderBy(c => c.Validation).ThenBy(c => c.Row.LearningRate).First()
                : finite.OrderByDescending(c => c.Validation).ThenBy(c => c.Row.LearningRate).First();
            kept.Add(best.Row);
            choices.Add(new HyperChoice(best.Row.Pretrain, cell.Key.Task, cell.Key.Protocol, cell.Key.Shots, cell.Key.Seed, metric,
                best.Row.LearningRate, candidates.Select(c => (c.Row.LearningRate, c.Validation)).ToList()));
        }

        return new HyperSelectionResult(kept, choices, unselectable) { Ceiling = ceiling };
    }

    /// <summary>Whether a row is a ceiling run rather than one of the study's.</summary>
    public static bool IsCeiling(ResultRow row) => row.Protocol == Core.Specs.KnownNames.CeilingProtocol;
}
