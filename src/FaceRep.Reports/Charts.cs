using System.Globalization;
using System.Reflection;
using ScottPlot;

namespace FaceRep.Reports;

/// <summary>
/// The report's charts: per task and protocol, the headline metric against the shot fraction on
/// a log axis, one line per source (colour by method, line pattern by dataset), with the
/// bootstrap interval of each mean as an error bar. Rendered with the bundled DejaVu Sans, so a
/// chart looks the same on any machine.
/// </summary>
public static class Charts
{
    private const string FontName = "DejaVu Sans";
    private static readonly Lazy<bool> FontLoaded = new(LoadFont);

    private static readonly Dictionary<string, Color> MethodColours = new(StringComparer.Ordinal)
    {
        ["scratch"] = Colors.Black,
        ["supervised"] = new Color(0x1f, 0x77, 0xb4),
        ["simclr"] = new Color(0xff, 0x7f, 0x0e),
        ["moco"] = new Color(0x2c, 0xa0, 0x2c),
        ["swav"] = new Color(0xd6, 0x27, 0x28),
        ["byol"] = new Color(0x94, 0x67, 0xbd),
        ["barlow"] = new Color(0x8c, 0x56, 0x4b),
        ["import"] = new Color(0x7f, 0x7f, 0x7f),
    };

    /// <summary>Width of a chart in pixels.</summary>
    public const int Width = 900;

    /// <summary>Height of a chart in pixels.</summary>
    public const int Height = 420;

    /// <summary>Renders a section's chart as PNG bytes.</summary>
    public static byte[] Render(TaskSection section)
    {
        var plot = NewPlot();
        var extra = 0;
        foreach (var source in section.Sources)
        {
            var cells = section.Shots.Select(s => section.Cell(source, s)).OfType<CellSummary>().ToList();
            if (cells.Count == 0)
                continue;
            var xs = cells.Select(c => Math.Log10(c.Shots)).ToArray();
            var ys = cells.Select(c => c.Summary.Mean * section.Metric.DisplayScale).ToArray();
            var line = plot.Add.Scatter(xs, ys);
            var colour = Style(line, source, ref extra);
            line.MarkerSize = 6;
            line.MarkerShape = MarkerShape.FilledCircle;
            var lower = cells.Select((c, i) => double.IsFinite(c.Interval.Lower) ? ys[i] - c.Interval.Lower * section.Metric.DisplayScale : 0).ToArray();
            var upper = cells.Select((c, i) => double.IsFinite(c.Interval.Upper) ? c.Interval.Upper * section.Metric.DisplayScale - ys[i] : 0).ToArray();
            var bars = plot.Add.ErrorBar(xs, ys, upper);
            bars.YErrorPositive = upper;
            bars.YErrorNegative = lower;
            bars.Color = colour.WithAlpha(0.6);
        }

        var floorShots = section.Shots.Where(section.Floors.ContainsKey).ToList();
        if (floorShots.Count > 0)
        {
            // The floor, grey and dashed: what the training labels alone give.
            var floor = plot.Add.Scatter(floorShots.Select(Math.Log10).ToArray(), floorShots.Select(s => section.Floors[s] * section.Metric.DisplayScale).ToArray());
            floor.LegendText = Wording.FloorLabel;
            floor.Color = Colors.Gray;
            floor.LineWidth = 1.5f;
            floor.MarkerSize = 7;
            floor.MarkerShape = MarkerShape.OpenSquare;
            floor.LinePattern = LinePattern.Dashed;
        }

        var positions = section.Shots.Select(Math.Log10).ToArray();
        if (section.Ceiling is { } ceiling && positions.Length > 0)
        {
            // The ceiling, grey and dotted across the chart: every label and a long budget, from scratch.
            var line = plot.Add.Scatter(new[] { positions.Min(), positions.Max() }, Enumerable.Repeat(ceiling.Summary.Mean * section.Metric.DisplayScale, 2).ToArray());
            line.LegendText = Wording.CeilingLabel;
            line.Color = Colors.DimGray;
            line.LineWidth = 1.5f;
            line.MarkerSize = 0;
            line.LinePattern = LinePattern.Dotted;
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, section.Shots.Select(Wording.Shots).ToArray());
        if (positions.Length > 0)
        {
            var pad = Math.Max(0.1, (positions.Max() - positions.Min()) * 0.06);
            plot.Axes.SetLimitsX(positions.Min() - pad, positions.Max() + pad);
        }

        plot.Title($"{section.Task} · {section.Protocol}");
        plot.XLabel("labelled training data (fraction of the task's training split, log scale)");
        plot.YLabel(Wording.MetricHeading(section.Metric));
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>Names and styles a source's line: colour by method, pattern by dataset; returns the colour.</summary>
    internal static Color Style(ScottPlot.Plottables.Scatter line, string source, ref int extra)
    {
        var (method, dataset) = Split(source);
        var colour = MethodColours.TryGetValue(method, out var known) ? known : new ScottPlot.Palettes.Category20().GetColor(extra++);
        line.LegendText = source;
        line.Color = colour;
        line.LineWidth = 2;
        line.LinePattern = dataset switch
        {
            var d when d.Contains("uncurated", StringComparison.Ordinal) => LinePattern.Dashed,
            var d when d.Contains("video", StringComparison.Ordinal) => LinePattern.Dotted,
            _ => LinePattern.Solid,
        };
        return colour;
    }

    /// <summary>A new plot in the report's font.</summary>
    internal static Plot NewPlot()
    {
        _ = FontLoaded.Value;
        var plot = new Plot();
        plot.Font.Set(FontName);
        return plot;
    }

    /// <summary>A source label's method and dataset (<c>scratch</c> has no dataset).</summary>
    internal static (string Method, string Dataset) Split(string source)
    {
        var label = source.Split('#')[0];
        var slash = label.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (label, "") : (label[(slash + 1)..], label[..slash]);
    }

    private static bool LoadFont()
    {
        var directory = Path.Combine(Path.GetTempPath(), "facerep-fonts");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"DejaVuSans-{typeof(Charts).Assembly.GetName().Version?.ToString() ?? "0"}.ttf");
        if (!File.Exists(path))
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("FaceRep.Reports.DejaVuSans.ttf")
                               ?? throw new InvalidOperationException("the bundled chart font is missing from the assembly");
            var temporary = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            using (var file = File.Create(temporary))
                stream.CopyTo(file);
            File.Move(temporary, path, overwrite: true);
        }

        Fonts.AddFontFile(FontName, path);
        return true;
    }
}
