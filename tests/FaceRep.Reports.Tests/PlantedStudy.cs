using FaceRep.Core.Metrics;
using FaceRep.Results.Store;

namespace FaceRep.Reports.Tests;

/// <summary>
/// A small study with known effects: on landmarks (lower is better) the uncurated self-supervised
/// source gains most over scratch and the gain shrinks with shots; on emotion nothing differs.
/// </summary>
internal static class PlantedStudy
{
    public static readonly string[] Sources = ["scratch", "synth-curated/supervised", "synth-curated/simclr", "synth-uncurated/simclr", "synth-video/simclr"];

    public static readonly double[] Shots = [0.01, 0.1, 1.0];

    private static double Gain(string source) => source switch
    {
        "synth-uncurated/simclr" => 0.05,
        "synth-curated/simclr" => 0.03,
        "synth-curated/supervised" => 0.02,
        "synth-video/simclr" => 0.01,
        _ => 0,
    };

    public static List<ResultRow> Rows(int seeds = 4, int noiseSeed = 5)
    {
        var random = new Random(noiseSeed);
        var rows = new List<ResultRow>();
        foreach (var task in new[] { "landmarks", "emotion" })
            foreach (var source in Sources)
                foreach (var shots in Shots)
                    foreach (var seed in Enumerable.Range(0, seeds))
                    {
                        var noise = (random.NextDouble() - 0.5) * 0.004;
                        var value = task == "landmarks"
                            ? 0.30 - 0.05 * Math.Log10(shots) - Gain(source) * (1 - Math.Log10(shots)) / 3 + noise
                            : 0.40 + 0.05 * Math.Log10(shots) + noise * 3;
                        var slash = source.IndexOf('/', StringComparison.Ordinal);
                        rows.Add(new ResultRow
                        {
                            JobId = $"ev-{source}-{task}-{shots}-{seed}",
                            PretrainId = $"pt-{source}",
                            Pretrain = source,
                            PretrainDataset = slash < 0 ? null : source[..slash],
                            PretrainMethod = slash < 0 ? source : source[(slash + 1)..],
                            Backbone = "resnet18",
                            Width = 0.25,
                            Input = 64,
                            Task = task,
                            Protocol = "linear",
                            Shots = shots,
                            Seed = seed,
                            Metrics = new Dictionary<string, double> { [MetricDefinitions.ForTask(task)[0].Name] = value },
                            DurationSeconds = 1800,
                            FinishedUtc = DateTimeOffset.UnixEpoch.AddSeconds(rows.Count),
                            Device = $"silo/cpu{seed % 2}",
                            Attempt = seed == 3 && shots == 1.0 ? 2 : 1,
                            Versions = "facerep 1.0",
                        });
                    }

        return rows;
    }

    public const string Spec = "name: planted\n# a <script>alert('x')</script> & a | pipe\nseeds: [0, 1, 2, 3]\n";

    public static SweepReport Report(IReadOnlyList<ResultRow>? rows = null) =>
        SweepReport.Build("planted", rows ?? Rows(), (5, 130), "a test store", Spec, 0.05, new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
}
