using System.Diagnostics;
using System.Text.RegularExpressions;
using SkiaSharp;

namespace FaceRep.Reports.Tests;

/// <summary>
/// The HTML report in a real browser: Debian's chromium, headless, loads report.html from disk,
/// and its DOM after the load event says every chart decoded and every table is there. A
/// screenshot is kept beside the report (FACEREP_KEEP_REPORT=1 prints where).
/// </summary>
public sealed partial class BrowserTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-browser-").FullName;

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("FACEREP_KEEP_REPORT") == "1")
            Console.WriteLine($"report and screenshot kept in {_dir}");
        else
            Directory.Delete(_dir, recursive: true);
    }

    private static string Chromium() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("no chromium: install Debian's chromium package (test.sh does) to run the browser test");

    private async Task<string> ChromiumAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo(Chromium())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No sandbox: tests may run as root, which chromium's sandbox refuses.
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", $"--user-data-dir={Path.Combine(_dir, "profile")}" }.Concat(arguments))
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish in 90 s: {await error}");
        }

        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {await error}");
        return await output;
    }

    [Fact]
    public async Task Chromium_renders_every_chart_and_table_of_the_report()
    {
        var report = PlantedStudy.Report();
        var files = ReportWriter.Write(report, _dir);
        var url = new Uri(files.Html).AbsoluteUri;

        var dom = await ChromiumAsync("--virtual-time-budget=10000", "--dump-dom", url);

        var root = RootElement().Match(dom);
        Assert.True(root.Success, $"no <html> element in what chromium rendered: {dom[..Math.Min(dom.Length, 300)]}");
        Assert.Equal(report.Sections.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Attribute(root.Value, "data-charts-decoded"));
        Assert.Equal("11", Attribute(root.Value, "data-tables"));
        Assert.Contains("Supported on landmarks; inconclusive on emotion", dom, StringComparison.Ordinal);

        var screenshot = Path.Combine(_dir, "report.png");
        await ChromiumAsync("--hide-scrollbars", "--window-size=1280,2400", $"--screenshot={screenshot}", url);
        using var bitmap = SKBitmap.Decode(screenshot);
        Assert.Equal((1280, 2400), (bitmap.Width, bitmap.Height));
        // Text, tables and the first chart's coloured lines: a page that rendered blank has a handful of colours.
        Assert.True(bitmap.Pixels.Distinct().Count() > 200, "the screenshot looks blank");
    }

    private static string? Attribute(string element, string name) =>
        Regex.Match(element, $"{name}=\"([^\"]*)\"") is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex("<html[^>]*>")]
    private static partial Regex RootElement();
}
