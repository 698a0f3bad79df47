using ScottPlot;

namespace FaceRep.Reports;

/// <summary>
/// The report's training-curve charts: each pre-training source's loss and online k-NN identity
/// accuracy against its steps, and per task the head's loss against its steps, one line per source
/// (styled as in <see cref="Charts"/>).
/// </summary>
public static class CurveCharts
{
    /// <summary>Pre-training loss (mean over each point's steps) against the step, per source.</summary>
    public static byte[] PretrainingLoss(IReadOnlyList<SourceCurve> curves) =>
        Render(curves.Select(c => (c.Source, c.Points.Where(p => p.Loss is not null).Select(p => ((double)p.Step, p.Loss!.Value)).ToList())),
            "pre-training loss", "loss (mean over the steps since the previous point)", markers: false);

    /// <summary>Online k-NN identity accuracy (%) against the step, per source; step 0 is the untrained backbone.</summary>
    public static byte[] PretrainingKnn(IReadOnlyList<SourceCurve> curves, int classes) =>
        Render(curves.Select(c => (c.Source, c.Points.Where(p => p.KnnAccuracy is not null).Select(p => ((double)p.Step, p.KnnAccuracy!.Value * 100)).ToList())),
            $"online k-NN identity accuracy (held-out probe of {classes} identities; chance {100.0 / classes:0.#}%)", "k-NN accuracy (%)", markers: true, chance: 100.0 / classes);

    /// <summary>A task's head loss against the step, one line per source (mean over its evaluations).</summary>
    public static byte[] HeadLoss(IReadOnlyList<HeadCurve> heads) =>
        Render(heads.Select(h => (h.Source, h.Steps.Zip(h.Loss, (s, l) => ((double)s, l)).ToList())),
            $"{heads[0].Task} · {heads[0].Protocol}: head loss", "loss (mean over evaluations)", markers: false);

    private static byte[] Render(IEnumerable<(string Source, List<(double Step, double Value)> Points)> lines, string title, string yLabel, bool markers, double? chance = null)
    {
        var plot = Charts.NewPlot();
        var extra = 0;
        foreach (var (source, points) in lines)
        {
            if (points.Count == 0)
                continue;
            var line = plot.Add.Scatter(points.Select(p => p.Step).ToArray(), points.Select(p => p.Value).ToArray());
            Charts.Style(line, source, ref extra);
            line.MarkerSize = markers ? 6 : 0;
            line.MarkerShape = markers ? MarkerShape.FilledCircle : MarkerShape.None;
        }

        if (chance is { } c)
        {
            var level = plot.Add.HorizontalLine(c);
            level.Color = Colors.Gray;
            level.LinePattern = LinePattern.Dashed;
            level.LegendText = "chance";
        }

        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(Charts.Width, Charts.Height, ImageFormat.Png);
    }
}
