using FaceRep.Core.Metrics;
using FaceRep.Core.Statistics;
using FaceRep.Results.Store;

namespace FaceRep.Reports;

/// <summary>A figure published for a benchmark, shown beside the sweep's own where the protocol matches.</summary>
/// <param name="Kind">The benchmark (<c>affectnet</c>).</param>
/// <param name="Metric">The metric, as stored.</param>
/// <param name="Subset">The test subset (<c>full</c> for the whole split).</param>
/// <param name="Value">The figure, in the metric's stored units.</param>
/// <param name="Source">Where it is from and under what conditions.</param>
public sealed record PublishedFigure(string Kind, string Metric, string Subset, double Value, string Source);

/// <summary>One row of a benchmark's table: a source at a shot fraction on one test subset, every official metric over its seeds.</summary>
/// <param name="Source">Pre-training source (or "floor: labels alone", or a published figure's source).</param>
/// <param name="Shots">Shot fraction (null for a published figure).</param>
/// <param name="Subset">The test subset.</param>
/// <param name="Values">Per metric, the summary over seeds.</param>
public sealed record BenchmarkRow(string Source, double? Shots, string Subset, IReadOnlyDictionary<string, Summary> Values);

/// <summary>A benchmark's section: its official metrics for every source, shot fraction and test subset, and published figures.</summary>
/// <param name="Scope">The task on the benchmark (<c>landmarks on 300w</c>).</param>
/// <param name="Protocol">Fine-tuning protocol.</param>
/// <param name="Metrics">The official metrics, in the order the table shows them.</param>
/// <param name="Rows">Each source's rows, then the floors', then published figures.</param>
public sealed record BenchmarkSection(string Scope, string Protocol, IReadOnlyList<MetricDefinition> Metrics, IReadOnlyList<BenchmarkRow> Rows)
{
    /// <summary>The metrics a benchmark gives per action unit (DISFA's <c>icc_auNN</c>, <c>mae_auNN</c>), by their mean's definition; empty for other benchmarks.</summary>
    public IReadOnlyList<MetricDefinition> UnitMetrics { get; init; } = [];

    /// <summary>One row per source, shot fraction and action unit (<see cref="BenchmarkRow.Subset"/> is the unit, <c>AU1</c>), over the whole test split.</summary>
    public IReadOnlyList<BenchmarkRow> UnitRows { get; init; } = [];
}

/// <summary>Builds the benchmark sections of a report from its result rows.</summary>
public static class BenchmarkSections
{
    /// <summary>
    /// The figures of the study's paper (full training data, ResNet-50 pre-trained on VGGFace2 and fine-tuned),
    /// for the benchmarks whose protocol here is the paper's: AFLW-19's NME_diag, COFW's inter-ocular NME (HRNet's points
    /// 8 and 9), AFLW2000-3D's NME and AffectNet's valence and arousal.
    /// </summary>
    public static IReadOnlyList<PublishedFigure> Published { get; } =
    [
        new("aflw19", MetricDefinitions.NmeDiagonal.Name, "full", 0.0155, "the paper (full data, ResNet-50 from VGGFace2)"),
        new("cofw", MetricDefinitions.NmeInterOcular.Name, "full", 0.0332, "the paper (full data, ResNet-50 from VGGFace2)"),
        new("aflw2000-3d", MetricDefinitions.Nme2DBox.Name, "full", 0.0342, "the paper (full data, ResNet-50 from VGGFace2)"),
        new("affectnet", MetricDefinitions.ValenceCcc.Name, "full", 0.710, "the paper (full data, ResNet-50 from VGGFace2)"),
        new("affectnet", MetricDefinitions.ValenceRmse.Name, "full", 0.356, "the paper (full data, ResNet-50 from VGGFace2)"),
        new("affectnet", MetricDefinitions.ArousalCcc.Name, "full", 0.629, "the paper (full data, ResNet-50 from VGGFace2)"),
        new("affectnet", MetricDefinitions.ArousalRmse.Name, "full", 0.326, "the paper (full data, ResNet-50 from VGGFace2)"),
    ];

    /// <summary>The sections of the benchmark results among <paramref name="rows"/>; <paramref name="kinds"/> maps a benchmark's name to its kind.</summary>
    public static IReadOnlyList<BenchmarkSection> Of(IReadOnlyList<ResultRow> rows, Func<string, string?> kinds)
    {
        var sections = new List<BenchmarkSection>();
        foreach (var scope in rows.Where(r => r.Benchmark.Length > 0 && r.Protocol != Core.Specs.KnownNames.CeilingProtocol)
                     .GroupBy(r => (r.Scope, r.Protocol, r.Benchmark)).OrderBy(g => g.Key.Scope, StringComparer.Ordinal).ThenBy(g => g.Key.Protocol, StringComparer.Ordinal))
        {
            // The official metrics are the ones measured on the test split (not validation, floors or bookkeeping).
            var names = scope.SelectMany(r => r.Metrics.Keys)
                .Where(n => !n.StartsWith(MetricDefinitions.ValidationPrefix, StringComparison.Ordinal) && !n.StartsWith(MetricDefinitions.FloorPrefix, StringComparison.Ordinal))
                .Select(n => MetricDefinitions.SplitSubset(n))
                .Where(n => MetricDefinitions.Find(n.Metric) is { } d && d != MetricDefinitions.TrainLoss && !n.Metric.EndsWith("_images", StringComparison.Ordinal))
                .Distinct().ToList();
            // Per-unit metrics (icc_au01, …) get a table of their own, a row per action unit.
            var perUnit = names.Where(n => n.Subset == "full" && PerUnit(n.Metric) is not null).Select(n => PerUnit(n.Metric)!.Value).ToList();
            names = [.. names.Where(n => PerUnit(n.Metric) is null)];
            var headline = MetricDefinitions.ForTask(scope.Key.Scope)[0].Name;
            var metrics = names.Select(n => n.Metric).Distinct(StringComparer.Ordinal)
                .OrderBy(m => m == headline ? 0 : 1).ThenBy(m => m, StringComparer.Ordinal)
                .Select(m => MetricDefinitions.Find(m)!).ToList();
            var subsets = names.Select(n => n.Subset).Distinct(StringComparer.Ordinal).OrderBy(s => s == "full" ? 0 : 1).ThenBy(s => s, StringComparer.Ordinal).ToList();
            string Stored(string metric, string subset, string prefix = "") => prefix + (subset == "full" ? metric : MetricDefinitions.OnSubset(metric, subset));
            Dictionary<string, Summary> Summaries(IEnumerable<ResultRow> seeds, string subset, string prefix) => metrics
                .Select(m => (m.Name, Values: seeds.Select(r => r.Metrics.TryGetValue(Stored(m.Name, subset, prefix), out var v) ? v : double.NaN).Where(double.IsFinite).ToList()))
                .Where(m => m.Values.Count > 0)
                .ToDictionary(m => m.Name, m => Summary.Of(m.Values), StringComparer.Ordinal);

            var table = new List<BenchmarkRow>();
            foreach (var cell in scope.GroupBy(r => (r.Pretrain, r.Shots)).OrderBy(c => c.Key.Pretrain, StringComparer.Ordinal).ThenBy(c => c.Key.Shots))
            {
                foreach (var subset in subsets)
                    table.Add(new BenchmarkRow(cell.Key.Pretrain, cell.Key.Shots, subset, Summaries(cell, subset, "")));
            }

            foreach (var shots in scope.GroupBy(r => r.Shots).OrderBy(g => g.Key))
            {
                foreach (var subset in subsets)
                {
                    var floors = Summaries(shots, subset, MetricDefinitions.FloorPrefix);
                    if (floors.Count > 0)
                        table.Add(new BenchmarkRow(Wording.FloorLabel, shots.Key, subset, floors));
                }
            }

            if (kinds(scope.Key.Benchmark) is { } kind)
            {
                foreach (var figure in Published.Where(p => p.Kind == kind && metrics.Any(m => m.Name == p.Metric)).GroupBy(p => (p.Source, p.Subset)))
                    table.Add(new BenchmarkRow($"published: {figure.Key.Source}", null, figure.Key.Subset, figure.ToDictionary(p => p.Metric, p => Summary.Of([p.Value]), StringComparer.Ordinal)));
            }

            var unitMetrics = perUnit.Select(u => u.Metric).Distinct(StringComparer.Ordinal).OrderBy(m => m == headline ? 0 : 1).ThenBy(m => m, StringComparer.Ordinal)
                .Select(m => MetricDefinitions.Find(m)).OfType<MetricDefinition>().ToList();
            var units = perUnit.Select(u => u.Unit).Distinct().Order().ToList();
            var unitRows = new List<BenchmarkRow>();
            foreach (var cell in scope.GroupBy(r => (r.Pretrain, r.Shots)).OrderBy(c => c.Key.Pretrain, StringComparer.Ordinal).ThenBy(c => c.Key.Shots))
            {
                foreach (var unit in units)
                {
                    var values = unitMetrics
                        .Select(m => (m.Name, Values: cell.Select(r => r.Metrics.TryGetValue($"{m.Name}_au{unit:00}", out var v) ? v : double.NaN).Where(double.IsFinite).ToList()))
                        .Where(m => m.Values.Count > 0)
                        .ToDictionary(m => m.Name, m => Summary.Of(m.Values), StringComparer.Ordinal);
                    unitRows.Add(new BenchmarkRow(cell.Key.Pretrain, cell.Key.Shots, $"AU{unit}", values));
                }
            }

            sections.Add(new BenchmarkSection(scope.Key.Scope, scope.Key.Protocol, metrics, table) { UnitMetrics = unitMetrics, UnitRows = unitRows });
        }

        return sections;
    }

    /// <summary>The mean metric and action unit of a per-unit metric name (<c>icc_au01</c> → icc, 1), or null.</summary>
    private static (string Metric, int Unit)? PerUnit(string name)
    {
        var at = name.LastIndexOf("_au", StringComparison.Ordinal);
        return at > 0 && name.Length == at + 5 && char.IsAsciiDigit(name[^2]) && char.IsAsciiDigit(name[^1])
            ? (name[..at], int.Parse(name.AsSpan(at + 3), System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }
}
