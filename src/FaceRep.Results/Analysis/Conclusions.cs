using FaceRep.Core.Metrics;
using FaceRep.Core.Statistics;
using FaceRep.Results.Store;

namespace FaceRep.Results.Analysis;

/// <summary>What the statistics say about a hypothesis in one scope.</summary>
public enum Support
{
    /// <summary>The hypothesised direction, with a Holm-adjusted p-value below the level.</summary>
    Supported,

    /// <summary>The opposite direction, with a Holm-adjusted p-value below the level.</summary>
    Contradicted,

    /// <summary>Enough matched results to test, but no significant difference after correction.</summary>
    Inconclusive,

    /// <summary>Too few matched results for a verdict (fewer than three where a paired test decides).</summary>
    NotSupported,
}

/// <summary>
/// The evidence for one question in one scope (a task and protocol, or a single cell): an
/// estimate in the hypothesised direction (positive: as hypothesised), its 95% interval, effect
/// size, p-value and the p-value adjusted by Holm over the question's scopes.
/// </summary>
/// <param name="Task">Task.</param>
/// <param name="Protocol">Protocol.</param>
/// <param name="Shots">The shot fraction of a single-cell scope, or null when the scope spans shot fractions.</param>
/// <param name="First">What is hypothesised better (or, for a trend, what gains).</param>
/// <param name="Second">What it is compared with.</param>
/// <param name="Metric">The task's headline metric.</param>
/// <param name="Count">Matched units the test used.</param>
/// <param name="Estimate">The estimate in metric units, positive in the hypothesised direction.</param>
/// <param name="Lower">Lower end of its 95% interval (NaN when it cannot be computed).</param>
/// <param name="Upper">Upper end.</param>
/// <param name="EffectSize">Cohen's d_z of the paired differences (NaN for a trend).</param>
/// <param name="P">The test's two-sided p-value.</param>
/// <param name="HolmP">The p-value adjusted by Holm over every testable scope of the question.</param>
/// <param name="Support">What the numbers support.</param>
public sealed record Evidence(
    string Task, string Protocol, double? Shots, string First, string Second, MetricDefinition Metric,
    int Count, double Estimate, double Lower, double Upper, double EffectSize, double P, double HolmP, Support Support);

/// <summary>One of the study's questions, how it was tested, and its evidence per scope.</summary>
/// <param name="Key">Short stable key (<c>best-source</c>, <c>ssl-vs-supervised</c>, …).</param>
/// <param name="Title">The question.</param>
/// <param name="Hypothesis">The hypothesis tested, in the direction the estimate is signed.</param>
/// <param name="Method">How the matched units and the test were formed.</param>
/// <param name="Evidence">The evidence per scope; empty when the sweep cannot answer the question.</param>
/// <param name="Missing">Why the sweep cannot answer it, or null when it can.</param>
public sealed record Question(string Key, string Title, string Hypothesis, string Method, IReadOnlyList<Evidence> Evidence, string? Missing);

/// <summary>
/// The conclusions engine: answers the study's questions from result rows with paired tests over
/// matched units, Holm's correction within each question, and a verdict per scope that is a
/// finding only when the corrected p-value is below the level. It never states a result the
/// numbers do not support; it says "inconclusive" or "not supported" instead.
/// </summary>
public static class Conclusions
{
    /// <summary>Self-supervised methods.</summary>
    public static readonly IReadOnlySet<string> SelfSupervised = new HashSet<string>(["simclr", "moco", "swav", "byol", "barlow"], StringComparer.Ordinal);

    private static readonly string[] Order = ["best-source", "ssl-uncurated-vs-scratch", "gain-vs-shots", "ssl-vs-supervised", "uncurated-vs-curated", "curated-vs-video", "more-images"];

    /// <summary>Answers every question the rows can answer, at family-wise level <paramref name="alpha"/> per question.</summary>
    public static IReadOnlyList<Question> Answer(IReadOnlyList<ResultRow> rows, double alpha = 0.05)
    {
        rows = Disambiguate(rows);
        var questions = new List<Question>
        {
            BestSource(rows, alpha),
            Contrast(rows, alpha, "ssl-uncurated-vs-scratch",
                "Does self-supervised pre-training on uncurated faces beat training from scratch?",
                "self-supervised pre-training on the uncurated set is better than scratch",
                "Per task and protocol, each (shots, seed) is one matched unit: the mean over the self-supervised methods trained on an uncurated set against scratch with the same seed.",
                "self-supervised on uncurated", "scratch",
                r => IsSsl(r) && DatasetKind(r) == "uncurated" ? Side.First : r.PretrainMethod == "scratch" ? Side.Second : Side.None,
                _ => "", "no self-supervised source on an uncurated set, or no scratch baseline"),
            GainVersusShots(rows, alpha),
            Contrast(rows, alpha, "ssl-vs-supervised",
                "Does self-supervised pre-training beat supervised pre-training on the same data?",
                "self-supervised pre-training is better than supervised pre-training on the same dataset",
                "Per task and protocol, each (dataset, shots, seed) with a supervised source is one matched unit: the mean over the self-supervised methods on that dataset against the supervised one.",
                "self-supervised", "supervised",
                r => IsSsl(r) ? Side.First : r.PretrainMethod == "supervised" ? Side.Second : Side.None,
                r => r.PretrainDataset ?? "", "no dataset pre-trained both with supervision and self-supervised"),
            Contrast(rows, alpha, "uncurated-vs-curated",
                "Is uncurated data as good as curated data for self-supervised pre-training?",
                "self-supervised pre-training on the uncurated set is better than on the curated set",
                "Per task and protocol, each (method, shots, seed) with a self-supervised method trained on both sets is one matched unit: uncurated against curated.",
                "uncurated", "curated",
                r => !IsSsl(r) ? Side.None : DatasetKind(r) == "uncurated" ? Side.First : DatasetKind(r) == "curated" ? Side.Second : Side.None,
                r => r.PretrainMethod, "no method pre-trained on both the curated and the uncurated set"),
            Contrast(rows, alpha, "curated-vs-video",
                "What does the video set's redundancy cost?",
                "pre-training on the curated set is better than on the (redundant) video set",
                "Per task and protocol, each (method, shots, seed) with a method trained on both sets is one matched unit: curated against video.",
                "curated", "video",
                r => r.PretrainMethod == "scratch" ? Side.None : DatasetKind(r) == "curated" ? Side.First : DatasetKind(r) == "video" ? Side.Second : Side.None,
                r => r.PretrainMethod, "no method pre-trained on both the curated and the video set"),
            MoreImages(rows, alpha),
        };
        return questions.OrderBy(q => Array.IndexOf(Order, q.Key)).ToList();
    }

    /// <summary>
    /// Names each pre-training job uniquely: two jobs with one label (the same dataset and method
    /// with different settings) get their job id appended, so no analysis mixes them.
    /// </summary>
    public static IReadOnlyList<ResultRow> Disambiguate(IReadOnlyList<ResultRow> rows)
    {
        var clashing = rows.GroupBy(r => r.Pretrain, StringComparer.Ordinal)
            .Where(g => g.Select(r => r.PretrainId).Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(g => g.Key)
            .ToHashSet(StringComparer.Ordinal);
        return clashing.Count == 0 ? rows : rows.Select(r => clashing.Contains(r.Pretrain) ? r with { Pretrain = $"{r.Pretrain}#{r.PretrainId}" } : r).ToList();
    }

    /// <summary>
    /// The kind of a pre-training dataset (curated, uncurated, video), or null when unknown: an
    /// imported set's as its planning recorded it (from its layout: identity folders, plain images,
    /// clips), a SynthFace set's from its name.
    /// </summary>
    public static string? DatasetKind(ResultRow row) => row.PretrainDataset switch
    {
        null => null,
        _ when row.PretrainKind.Length > 0 => row.PretrainKind,
        _ when row.PretrainContent.Length > 0 => null,
        var d when d.Contains("uncurated", StringComparison.Ordinal) => "uncurated",
        var d when d.Contains("video", StringComparison.Ordinal) => "video",
        var d when d.Contains("curated", StringComparison.Ordinal) => "curated",
        _ => null,
    };

    private static bool IsSsl(ResultRow row) => SelfSupervised.Contains(row.PretrainMethod);

    private enum Side
    {
        None,
        First,
        Second,
    }

    private static double? Headline(ResultRow row, MetricDefinition metric) =>
        row.Metrics.TryGetValue(metric.Name, out var v) && double.IsFinite(v) ? v : null;

    /// <summary>Signed so that positive means <paramref name="a"/> is better than <paramref name="b"/>.</summary>
    private static double Better(MetricDefinition metric, double a, double b) =>
        metric.Direction == MetricDirection.LowerIsBetter ? b - a : a - b;

    private static IEnumerable<IGrouping<(string Task, string Protocol), ResultRow>> Scopes(IEnumerable<ResultRow> rows) =>
        rows.GroupBy(r => (Task: r.Scope, r.Protocol))
            .OrderBy(g => g.Key.Task, StringComparer.Ordinal).ThenBy(g => g.Key.Protocol, StringComparer.Ordinal);

    private static Question BestSource(IReadOnlyList<ResultRow> rows, double alpha)
    {
        var pending = new List<(string Task, string Protocol, double Shots, string Best, string Runner, MetricDefinition Metric, double[] Differences)>();
        foreach (var cell in SourceRanking.Rank(rows))
        {
            if (cell.Means.Count < 2)
                continue;
            var ordered = cell.Ranks.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).ToList();
            var metric = MetricDefinitions.ForTask(cell.Task)[0];
            var inCell = rows.Where(r => r.Scope == cell.Task && r.Protocol == cell.Protocol && r.Shots == cell.Shots).ToList();
            var best = BySeed(inCell, ordered[0], metric);
            var runner = BySeed(inCell, ordered[1], metric);
            var differences = best.Keys.Intersect(runner.Keys).Order().Select(s => Better(metric, best[s], runner[s])).ToArray();
            pending.Add((cell.Task, cell.Protocol, cell.Shots, ordered[0], ordered[1], metric, differences));
        }

        var evidence = Judge(pending.Select(p => (p.Task, p.Protocol, (double?)p.Shots, p.Best, p.Runner, p.Metric, p.Differences)).ToList(), alpha);
        return new Question("best-source", "Which pre-training source is best for each task and shot count?",
            "the source with the best mean is better than the runner-up",
            "Per (task, protocol, shots), the sources are ranked by their mean headline metric over seeds; the best is compared with the runner-up by a paired t-test over the seeds both have.",
            evidence, pending.Count == 0 ? "no cell has two sources" : null);
    }

    private static Dictionary<int, double> BySeed(IEnumerable<ResultRow> rows, string source, MetricDefinition metric) =>
        rows.Where(r => r.Pretrain == source && Headline(r, metric) is not null)
            .GroupBy(r => r.Seed)
            .ToDictionary(g => g.Key, g => g.Average(r => Headline(r, metric)!.Value));

    private static Question Contrast(
        IReadOnlyList<ResultRow> rows, double alpha, string key, string title, string hypothesis, string method,
        string first, string second, Func<ResultRow, Side> side, Func<ResultRow, string> unitOf, string missing)
    {
        var pending = new List<(string, string, double?, string, string, MetricDefinition, double[])>();
        foreach (var scope in Scopes(rows))
        {
            var metric = MetricDefinitions.ForTask(scope.Key.Task)[0];
            var differences = new List<double>();
            foreach (var unit in scope.Where(r => side(r) != Side.None && Headline(r, metric) is not null)
                         .GroupBy(r => (Unit: unitOf(r), r.Shots, r.Seed))
                         .OrderBy(g => g.Key.Unit, StringComparer.Ordinal).ThenBy(g => g.Key.Shots).ThenBy(g => g.Key.Seed))
            {
                var a = unit.Where(r => side(r) == Side.First).Select(r => Headline(r, metric)!.Value).ToList();
                var b = unit.Where(r => side(r) == Side.Second).Select(r => Headline(r, metric)!.Value).ToList();
                if (a.Count > 0 && b.Count > 0)
                    differences.Add(Better(metric, a.Average(), b.Average()));
            }

            if (differences.Count > 0)
                pending.Add((scope.Key.Task, scope.Key.Protocol, null, first, second, metric, differences.ToArray()));
        }

        return new Question(key, title, hypothesis, method, Judge(pending, alpha), pending.Count == 0 ? $"not measured: {missing}" : null);
    }

    /// <summary>
    /// Pre-training set size: per (task, protocol), each (dataset, method, shots, seed) with sources
    /// pre-trained on different numbers of images is one unit, the largest against the smallest.
    /// </summary>
    private static Question MoreImages(IReadOnlyList<ResultRow> rows, double alpha)
    {
        var pending = new List<(string, string, double?, string, string, MetricDefinition, double[])>();
        foreach (var scope in Scopes(rows))
        {
            var metric = MetricDefinitions.ForTask(scope.Key.Task)[0];
            var differences = new List<double>();
            foreach (var unit in scope.Where(r => r.PretrainImages > 0 && r.PretrainDataset is not null && Headline(r, metric) is not null)
                         .GroupBy(r => (Dataset: r.PretrainDataset!, Method: r.PretrainMethod, r.Shots, r.Seed))
                         .OrderBy(g => g.Key.Dataset, StringComparer.Ordinal).ThenBy(g => g.Key.Method, StringComparer.Ordinal)
                         .ThenBy(g => g.Key.Shots).ThenBy(g => g.Key.Seed))
            {
                var largest = unit.Max(r => r.PretrainImages);
                var smallest = unit.Min(r => r.PretrainImages);
                if (largest == smallest)
                    continue;
                differences.Add(Better(metric,
                    unit.Where(r => r.PretrainImages == largest).Average(r => Headline(r, metric)!.Value),
                    unit.Where(r => r.PretrainImages == smallest).Average(r => Headline(r, metric)!.Value)));
            }

            if (differences.Count > 0)
                pending.Add((scope.Key.Task, scope.Key.Protocol, null, "most images", "fewest images", metric, differences.ToArray()));
        }

        return new Question("more-images", "Does pre-training on more images help?",
            "pre-training on more images of the same dataset with the same method is better",
            "Per task and protocol, each (dataset, method, shots, seed) whose sources were pre-trained on different numbers of images is one matched unit: the most images against the fewest (the entries may differ in other settings too; the spec says).",
            Judge(pending, alpha), pending.Count == 0 ? "not measured: no dataset and method pre-trained on different numbers of images" : null);
    }

    private static IReadOnlyList<Evidence> Judge(
        IReadOnlyList<(string Task, string Protocol, double? Shots, string First, string Second, MetricDefinition Metric, double[] Differences)> scopes,
        double alpha)
    {
        var tests = scopes.Select(s => PairedComparison.OfDifferences(s.Differences)).ToList();
        var holm = AdjustTestable(tests.Select(t => t.IsSufficient ? t.TPValue : double.NaN).ToList());
        return scopes.Select((s, i) =>
        {
            var t = tests[i];
            var interval = t.IsSufficient && t.Degeneracy == PairedDegeneracy.None ? StudentT.MeanInterval(s.Differences) : null;
            return new Evidence(s.Task, s.Protocol, s.Shots, s.First, s.Second, s.Metric, t.Count, t.MeanDifference,
                interval?.Lower ?? double.NaN, interval?.Upper ?? double.NaN, t.EffectSize, t.TPValue, holm[i],
                Decide(t.IsSufficient, t.MeanDifference, holm[i], alpha));
        }).ToList();
    }

    private static Support Decide(bool testable, double estimate, double holmP, double alpha) =>
        !testable ? Support.NotSupported
        : holmP < alpha ? (estimate > 0 ? Support.Supported : Support.Contradicted)
        : Support.Inconclusive;

    /// <summary>Holm over the finite p-values only: a scope that cannot be tested does not dilute the others.</summary>
    private static double[] AdjustTestable(IReadOnlyList<double> pValues)
    {
        var testable = Enumerable.Range(0, pValues.Count).Where(i => !double.IsNaN(pValues[i])).ToList();
        var adjusted = Holm.Adjust(testable.Select(i => pValues[i]).ToList());
        var result = new double[pValues.Count];
        Array.Fill(result, double.NaN);
        for (var k = 0; k < testable.Count; k++)
            result[testable[k]] = adjusted[k];
        return result;
    }

    /// <summary>
    /// Gain over scratch against shot count: per (task, protocol), each (shots, seed) gives the mean
    /// gain of the pre-trained sources over scratch with that seed; the gain is regressed on
    /// log10(shots) and the slope tested (t with n − 2 degrees of freedom). The estimate is the
    /// gain lost per tenfold more labels: positive when pre-training helps most in the few-shot regime.
    /// </summary>
    private static Question GainVersusShots(IReadOnlyList<ResultRow> rows, double alpha)
    {
        var scopes = new List<(string Task, string Protocol, MetricDefinition Metric, int Count, double Estimate, double Se, int Df)>();
        foreach (var scope in Scopes(rows))
        {
            var metric = MetricDefinitions.ForTask(scope.Key.Task)[0];
            var points = new List<(double X, double Gain)>();
            foreach (var unit in scope.Where(r => Headline(r, metric) is not null).GroupBy(r => (r.Shots, r.Seed)).OrderBy(g => g.Key.Shots).ThenBy(g => g.Key.Seed))
            {
                var scratch = unit.Where(r => r.PretrainMethod == "scratch").Select(r => Headline(r, metric)!.Value).ToList();
                var trained = unit.Where(r => r.PretrainMethod != "scratch").Select(r => Headline(r, metric)!.Value).ToList();
                if (scratch.Count > 0 && trained.Count > 0 && unit.Key.Shots > 0)
                    points.Add((Math.Log10(unit.Key.Shots), Better(metric, trained.Average(), scratch.Average())));
            }

            if (points.Count == 0)
                continue;
            var (slope, se) = Regression(points);
            scopes.Add((scope.Key.Task, scope.Key.Protocol, metric, points.Count, -slope, se, points.Count - 2));
        }

        var p = scopes.Select(s => s.Df >= 1 && double.IsFinite(s.Se) && s.Se > 0 ? StudentT.TwoSidedP(s.Estimate / s.Se, s.Df) : double.NaN).ToList();
        var holm = AdjustTestable(p);
        var evidence = scopes.Select((s, i) =>
        {
            var testable = !double.IsNaN(p[i]);
            var half = testable ? StudentT.Quantile(0.975, s.Df) * s.Se : double.NaN;
            return new Evidence(s.Task, s.Protocol, null, "pre-trained (mean)", "scratch", s.Metric, s.Count, s.Estimate,
                s.Estimate - half, s.Estimate + half, double.NaN, p[i], holm[i], Decide(testable, s.Estimate, holm[i], alpha));
        }).ToList();
        return new Question("gain-vs-shots", "Does pre-training help most when labels are few?",
            "the gain over scratch shrinks as the shot count grows",
            "Per task and protocol, each (shots, seed) gives the mean gain of every pre-trained source over scratch with that seed; the gain is regressed on log10(shots). The estimate is the gain lost per tenfold more labels, tested with the slope's t statistic (n − 2 degrees of freedom).",
            evidence, scopes.Count == 0 ? "not measured: no scratch baseline beside pre-trained sources" : null);
    }

    /// <summary>Ordinary least squares slope of y on x and its standard error (NaN when fewer than three points or one x).</summary>
    public static (double Slope, double StdErr) Regression(IReadOnlyList<(double X, double Y)> points)
    {
        var n = points.Count;
        var mx = points.Average(p => p.X);
        var my = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        if (n < 2 || sxx == 0)
            return (double.NaN, double.NaN);
        var slope = points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
        if (n < 3)
            return (slope, double.NaN);
        var residual = points.Sum(p => Math.Pow(p.Y - my - slope * (p.X - mx), 2));
        return (slope, Math.Sqrt(residual / (n - 2) / sxx));
    }
}
