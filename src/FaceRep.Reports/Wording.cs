using System.Globalization;
using FaceRep.Core.Metrics;
using FaceRep.Results.Analysis;

namespace FaceRep.Reports;

/// <summary>How reports word numbers and verdicts. Every sentence is built from the evidence.</summary>
public static class Wording
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A metric value in its display units, e.g. <c>12.34</c> for an NME of 0.1234 shown in %.</summary>
    public static string Value(MetricDefinition metric, double value) =>
        double.IsFinite(value) ? (value * metric.DisplayScale).ToString(metric.DisplayScale >= 100 ? "0.00" : "0.000", Invariant) : "—";

    /// <summary>The metric's heading: name, unit and direction.</summary>
    public static string MetricHeading(MetricDefinition metric) =>
        $"{metric.Name}{(metric.DisplayUnit.Length > 0 ? $" ({metric.DisplayUnit})" : "")}, {(metric.Direction == MetricDirection.LowerIsBetter ? "lower" : "higher")} is better";

    /// <summary>How tables and charts name the floor: the constant predictor made from the training labels alone.</summary>
    public const string FloorLabel = "floor: labels alone";

    /// <summary>How tables and charts name the ceiling: the untrained backbone fine-tuned on all labels, long.</summary>
    public const string CeilingLabel = "ceiling: scratch, all labels, long fine-tuning";

    /// <summary>A shot fraction as a percentage.</summary>
    public static string Shots(double shots) => (shots * 100).ToString("0.###", Invariant) + "%";

    /// <summary>A p-value.</summary>
    public static string P(double p) => double.IsNaN(p) ? "—" : p < 1e-4 ? p.ToString("0.0e0", Invariant) : p.ToString("0.0000", Invariant);

    /// <summary>An effect size.</summary>
    public static string Effect(double d) => double.IsNaN(d) ? "—" : double.IsInfinity(d) ? (d > 0 ? "∞" : "−∞") : d.ToString("0.00", Invariant).Replace('-', '−');

    /// <summary>An estimate with its interval, in display units.</summary>
    public static string Estimate(Evidence e) =>
        double.IsFinite(e.Lower)
            ? $"{Signed(e.Metric, e.Estimate)} [{Signed(e.Metric, e.Lower)}, {Signed(e.Metric, e.Upper)}]"
            : Signed(e.Metric, e.Estimate);

    private static string Signed(MetricDefinition metric, double value) =>
        double.IsFinite(value) ? (value >= 0 ? "+" : "−") + Value(metric, Math.Abs(value)) : "—";

    /// <summary>A verdict in words.</summary>
    public static string Verdict(Support support) => support switch
    {
        Support.Supported => "supported",
        Support.Contradicted => "contradicted",
        Support.Inconclusive => "inconclusive",
        _ => "not supported (too few matched results)",
    };

    /// <summary>The verdict of a best-source cell in words.</summary>
    public static string BestVerdict(Evidence e) => e.Support switch
    {
        Support.Supported => $"{e.First} is best",
        Support.Inconclusive => $"{e.First} leads; not distinguishable from {e.Second}",
        Support.Contradicted => $"{e.Second} is better on matched seeds",
        _ => "not supported (too few matched seeds)",
    };

    /// <summary>A scope's name: the task, with the protocol when the question spans several.</summary>
    public static string Scope(Evidence e, bool withProtocol) => withProtocol ? $"{e.Task} ({e.Protocol})" : e.Task;

    /// <summary>One sentence summing up a question's verdicts, generated from its evidence.</summary>
    public static string Summary(Question question)
    {
        if (question.Missing is not null)
            return $"Not measured by this sweep: {question.Missing.Replace("not measured: ", "", StringComparison.Ordinal)}.";
        var withProtocol = question.Evidence.Select(e => e.Protocol).Distinct().Count() > 1;
        if (question.Key == "best-source")
        {
            var named = question.Evidence.Count(e => e.Support == Support.Supported);
            return $"A single best source is supported in {named} of {question.Evidence.Count} cells; " +
                   $"{question.Evidence.Count(e => e.Support == Support.Inconclusive)} are inconclusive and " +
                   $"{question.Evidence.Count(e => e.Support == Support.NotSupported)} have too few matched seeds.";
        }

        var parts = new List<string>();
        foreach (var group in question.Evidence.GroupBy(e => e.Support).OrderBy(g => g.Key))
        {
            var scopes = string.Join(", ", group.Select(e => Scope(e, withProtocol)));
            parts.Add($"{Verdict(group.Key)} on {scopes}");
        }

        var text = string.Join("; ", parts);
        return char.ToUpperInvariant(text[0]) + text[1..] + $" (hypothesis: {question.Hypothesis}).";
    }
}
