using System.Globalization;
using System.Text.RegularExpressions;
using SkiaSharp;

namespace FaceRep.Cli.Tests;

[Collection(ProcessCollection.Name)]
public sealed partial class DataCommandsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-data-{Guid.NewGuid():N}");

    public DataCommandsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Redundancy_ranks_a_video_set_far_above_a_curated_set_of_the_same_size()
    {
        foreach (var flavour in new[] { "video", "curated" })
        {
            var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "synth", "--flavour", flavour, "--count", "640", "--out", flavour, "--shard-size", "320");
            Assert.True(code == 0, output);
        }

        var video = await RateAsync("video");
        var curated = await RateAsync("curated");

        Assert.True(video > 80, $"video {video}%");
        Assert.True(curated < 30, $"curated {curated}%");
    }

    [Fact]
    public async Task Synth_writes_a_preview_montage_a_person_can_open()
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "synth", "--flavour", "uncurated", "--count", "64", "--out", "u", "--preview", "u.png");

        Assert.True(code == 0, output);
        using var png = SKBitmap.Decode(Path.Combine(_dir, "u.png"));
        Assert.Equal(8 * 64 * 3, png.Width);
        Assert.Equal(6 * 64 * 3, png.Height);
    }

    [Fact]
    public async Task Inspect_counts_and_names_a_corrupt_shard_and_exits_1()
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "synth", "--flavour", "curated", "--count", "40", "--out", "c", "--shard-size", "16");
        Assert.True(code == 0, output);
        var shard = Path.Combine(_dir, "c", "shard-00001.msgpack");
        File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..100]);

        var (inspect, report) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "inspect", "c");

        Assert.Equal(1, inspect);
        Assert.Contains("24 readable of 40", report, StringComparison.Ordinal);
        Assert.Contains("shard-00001.msgpack", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_recognises_a_pts_annotation_folder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "300w")).FullName;
        var points = string.Join('\n', Enumerable.Range(0, 68).Select(i => $"{10 + i}.5 {20 + i}.25"));
        File.WriteAllText(Path.Combine(folder, "face_001.pts"), $"version: 1\nn_points: 68\n{{\n{points}\n}}\n");

        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "inspect", "300w");

        Assert.True(code == 0, output);
        Assert.Contains("Pts", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("synth", "--flavour", "glossy", "--out", "x")]
    [InlineData("synth", "--flavour", "curated", "--count", "0", "--out", "x")]
    [InlineData("redundancy", "nowhere")]
    [InlineData("redundancy", ".", "--threshold", "20")]
    [InlineData("inspect", "nowhere")]
    public async Task Bad_arguments_name_the_problem_and_exit_2(params string[] args)
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, ["data", .. args]);

        Assert.Equal(2, code);
        Assert.Contains("error:", output, StringComparison.Ordinal);
    }

    private async Task<double> RateAsync(string set)
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "redundancy", set);
        Assert.True(code == 0, output);
        var all = output.Split('\n').Single(l => l.Contains(" all ", StringComparison.Ordinal));
        return double.Parse(PercentRegex().Match(all).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"([\d.]+) ?%")]
    private static partial Regex PercentRegex();
}
