using System.Globalization;
using System.Net;
using System.Text;

namespace FaceRep.Reports;

/// <summary>The files a report was written to.</summary>
/// <param name="Markdown">report.md (its charts beside it under charts/).</param>
/// <param name="Html">report.html, self-contained (charts embedded).</param>
/// <param name="Charts">The chart files.</param>
public sealed record ReportFiles(string Markdown, string Html, IReadOnlyList<string> Charts);

/// <summary>Writes a report's blocks as <c>report.md</c> (with <c>charts/*.png</c>) and a self-contained <c>report.html</c>.</summary>
public static class ReportWriter
{
    /// <summary>Writes <paramref name="report"/> into <paramref name="directory"/>, replacing an earlier report there.</summary>
    public static ReportFiles Write(SweepReport report, string directory)
    {
        var blocks = ReportDocument.Layout(report);
        Directory.CreateDirectory(Path.Combine(directory, "charts"));
        var charts = new List<string>();
        foreach (var chart in blocks.OfType<Chart>())
        {
            var path = Path.Combine(directory, "charts", chart.File);
            WriteAtomically(path, chart.Png);
            charts.Add(path);
        }

        var markdown = Path.Combine(directory, "report.md");
        var html = Path.Combine(directory, "report.html");
        WriteAtomically(markdown, Encoding.UTF8.GetBytes(Markdown(blocks)));
        WriteAtomically(html, Encoding.UTF8.GetBytes(Html(ReportDocument.Title(report), blocks)));
        return new ReportFiles(markdown, html, charts);
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The blocks as GitHub-flavoured Markdown.</summary>
    public static string Markdown(IReadOnlyList<Block> blocks)
    {
        var text = new StringBuilder();
        foreach (var block in blocks)
        {
            switch (block)
            {
                case Heading h:
                    text.Append('#', h.Level).Append(' ').AppendLine(h.Text);
                    break;
                case Paragraph p:
                    text.AppendLine(p.Emphasis ? $"**{MarkdownText(p.Text)}**" : MarkdownText(p.Text));
                    break;
                case Table t:
                    text.AppendLine("| " + string.Join(" | ", t.Headers.Select(MarkdownCell)) + " |");
                    text.AppendLine("|" + string.Join("|", t.Headers.Select((_, i) => i == 0 ? "---" : "--:")) + "|");
                    for (var r = 0; r < t.Rows.Count; r++)
                    {
                        var cells = t.Rows[r].Select((c, i) => t.Kind == "ranks" && i >= 1 && t.Heat?[r][i] == 0 ? $"**{MarkdownCell(c)}**" : MarkdownCell(c));
                        text.AppendLine("| " + string.Join(" | ", cells) + " |");
                    }

                    break;
                case Chart c:
                    text.AppendLine($"![{MarkdownText(c.Alt)}](charts/{c.File})");
                    break;
                case Code c:
                    text.AppendLine("```" + c.Language).AppendLine(c.Text).AppendLine("```");
                    break;
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    // Underscores stay: in GitHub-flavoured Markdown they emphasise only at word boundaries, and metric names have them inside words.
    private static string MarkdownText(string text) => text.Replace("*", "\\*", StringComparison.Ordinal);

    private static string MarkdownCell(string text) => MarkdownText(text).Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>The blocks as one HTML page with its styles and charts inline.</summary>
    public static string Html(string title, IReadOnlyList<Block> blocks)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine($"<title>{Encode(title)}</title>");
        html.AppendLine("<style>");
        html.AppendLine("body{font-family:system-ui,'DejaVu Sans',sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#1b1b1b;line-height:1.45}");
        html.AppendLine("table{border-collapse:collapse;margin:0.8em 0 1.6em;font-size:0.85em}th,td{border:1px solid #ccc;padding:0.25em 0.55em;text-align:right}");
        html.AppendLine("th{background:#f2f2f2}td:first-child,th:first-child{text-align:left;white-space:nowrap}.ranks td{text-align:center;min-width:2.4em}.evidence td{text-align:left}");
        html.AppendLine(".finding{background:#f5f8ff;border-left:4px solid #3b6fd8;padding:0.4em 0.8em}img{max-width:100%;height:auto}");
        html.AppendLine("pre{background:#f6f6f6;padding:0.8em;overflow:auto}.scroll{overflow-x:auto}");
        html.AppendLine("</style></head><body>");
        foreach (var block in blocks)
        {
            switch (block)
            {
                case Heading h:
                    html.AppendLine($"<h{h.Level} id=\"{Encode(h.Id)}\">{Encode(h.Text)}</h{h.Level}>");
                    break;
                case Paragraph p:
                    html.AppendLine(p.Emphasis ? $"<p class=\"finding\">{Encode(p.Text)}</p>" : $"<p>{Encode(p.Text)}</p>");
                    break;
                case Table t:
                    html.AppendLine($"<div class=\"scroll\"><table class=\"{Encode(t.Kind)}\"><thead><tr>");
                    foreach (var header in t.Headers)
                        html.Append($"<th>{Encode(header)}</th>");
                    html.AppendLine("</tr></thead><tbody>");
                    for (var r = 0; r < t.Rows.Count; r++)
                    {
                        html.Append("<tr>");
                        for (var i = 0; i < t.Rows[r].Count; i++)
                        {
                            var style = t.Heat?[r][i] is { } heat ? $" style=\"background:{HeatColour(heat)}\"" : "";
                            html.Append($"<td{style}>{Encode(t.Rows[r][i])}</td>");
                        }

                        html.AppendLine("</tr>");
                    }

                    html.AppendLine("</tbody></table></div>");
                    break;
                case Chart c:
                    html.AppendLine($"<figure><img class=\"chart\" alt=\"{Encode(c.Alt)}\" width=\"{Charts.Width}\" height=\"{Charts.Height}\" src=\"data:image/png;base64,{Convert.ToBase64String(c.Png)}\"></figure>");
                    break;
                case Code c:
                    html.AppendLine($"<pre><code class=\"language-{Encode(c.Language)}\">{Encode(c.Text)}</code></pre>");
                    break;
            }
        }

        // Marks, once the page has loaded, how many charts the browser decoded and how many tables it laid out,
        // so an automated check (and a curious reader's inspector) can see the page rendered whole.
        html.AppendLine("<script>addEventListener('load',function(){var d=document.documentElement;" +
                        "d.setAttribute('data-charts-decoded',Array.prototype.filter.call(document.images,function(i){return i.complete&&i.naturalWidth>0;}).length);" +
                        "d.setAttribute('data-tables',document.querySelectorAll('table').length);});</script>");
        html.AppendLine("</body></html>");
        return html.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Green for the best rank through yellow to red for the worst.</summary>
    internal static string HeatColour(double heat)
    {
        var hue = (1 - Math.Clamp(heat, 0, 1)) * 120;
        return $"hsl({hue.ToString("0", CultureInfo.InvariantCulture)},70%,78%)";
    }
}
