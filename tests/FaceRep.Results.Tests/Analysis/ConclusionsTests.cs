using FaceRep.Results.Analysis;
using FaceRep.Results.Store;

namespace FaceRep.Results.Tests.Analysis;

/// <summary>
/// The conclusions engine on a study with planted effects: landmarks (lower is better) has real
/// gains that shrink with shots, AU intensity (higher is better) favours the curated set, and
/// emotion has no effect at all.
/// </summary>
public sealed class ConclusionsTests
{
    private static readonly double[] Shots = [0.01, 0.1, 1.0];

    private static readonly (string Dataset, string Method)[] Sources =
    [
        ("", "scratch"),
        ("synth-curated", "supervised"), ("synth-curated", "simclr"), ("synth-curated", "swav"),
        ("synth-uncurated", "simclr"), ("synth-uncurated", "swav"),
        ("synth-video", "supervised"), ("synth-video", "simclr"), ("synth-video", "swav"),
    ];

    /// <summary>The planted gain over scratch at 1% shots, per task and source.</summary>
    private static double Gain(string task, string dataset, string method) => (task, dataset, method) switch
    {
        (_, _, "scratch") => 0,
        ("landmarks", "synth-uncurated", _) => 0.04,
        ("landmarks", "synth-curated", "supervised") => 0.02,
        ("landmarks", "synth-curated", _) => 0.03,
        ("landmarks", "synth-video", "supervised") => 0.01,
        ("landmarks", "synth-video", _) => 0.015,
        ("au", "synth-curated", _) => 0.05,
        ("au", _, _) => 0.01,
        _ => 0,
    };

    private static ResultRow Row(string dataset, string method, string task, double shots, int seed, double value)
    {
        var label = method == "scratch" ? "scratch" : $"{dataset}/{method}";
        return HeadlineRows.Row(label, task, shots, seed, value) with
        {
            PretrainMethod = method,
            PretrainDataset = method == "scratch" ? null : dataset,
        };
    }

    /// <summary>Four seeds of every source, task and shot count, with seeded noise.</summary>
    private static List<ResultRow> Study(int seeds = 4, int noiseSeed = 0)
    {
        var random = new Random(noiseSeed);
        var rows = new List<ResultRow>();
        foreach (var task in new[] { "landmarks", "au", "emotion" })
            foreach (var (dataset, method) in Sources)
                foreach (var shots in Shots)
                    foreach (var seed in Enumerable.Range(0, seeds))
                    {
                        // The gain falls from its full size at 1% to a third of it at 100%.
                        var gain = Gain(task, dataset, method) * (1 - Math.Log10(shots)) / 3;
                        var noise = (random.NextDouble() - 0.5) * (task == "emotion" ? 0.02 : 0.004);
                        var value = task switch
                        {
                            "landmarks" => 0.30 - 0.05 * Math.Log10(shots) - gain + noise,
                            _ => 0.50 + 0.05 * Math.Log10(shots) + gain + noise,
                        };
                        rows.Add(Row(dataset, method, task, shots, seed, value));
                    }

        return rows;
    }

    private static Evidence Of(IReadOnlyList<Question> questions, string key, string task) =>
        Assert.Single(questions.Single(q => q.Key == key).Evidence, e => e.Task == task);

    [Fact]
    public void Planted_gains_over_scratch_are_found_with_their_size_and_a_planted_null_is_inconclusive()
    {
        var questions = Conclusions.Answer(Study());

        var landmarks = Of(questions, "ssl-uncurated-vs-scratch", "landmarks");
        Assert.Equal(Support.Supported, landmarks.Support);
        // Mean over the three shot counts of 0.04 · (3, 2, 1)/3.
        Assert.InRange(landmarks.Estimate, 0.04 * 2 / 3 - 0.001, 0.04 * 2 / 3 + 0.001);
        Assert.True(landmarks.Lower < landmarks.Estimate && landmarks.Estimate < landmarks.Upper);
        Assert.Equal(12, landmarks.Count);
        Assert.True(landmarks.HolmP >= landmarks.P);

        var emotion = Of(questions, "ssl-uncurated-vs-scratch", "emotion");
        Assert.True(emotion.Support == Support.Inconclusive, $"{emotion}");
        Assert.True(emotion.Lower < 0 && emotion.Upper > 0, $"[{emotion.Lower}, {emotion.Upper}]");
    }

    [Fact]
    public void A_best_source_is_not_declared_from_two_seeds_that_differ_by_the_same_amount()
    {
        // The demo's recognition · linear · 20% cell: two matched seeds, identical differences.
        // It gave Holm p = 0 and "supervised is best"; two seeds support no verdict, and a spread
        // of zero is not a p of zero.
        ResultRow Cell(string method, int seed, double value) => Row("synth-curated", method, "emotion", 0.2, seed, value);
        var two = new[] { Cell("supervised", 0, 0.30), Cell("supervised", 1, 0.31), Cell("simclr", 0, 0.29), Cell("simclr", 1, 0.30) };

        var evidence = Of(Conclusions.Answer(two), "best-source", "emotion");

        Assert.Equal(Support.NotSupported, evidence.Support);
        Assert.Equal(2, evidence.Count);
        Assert.NotEqual(0, evidence.P);

        // Three seeds that agree exactly: a verdict may be considered, on the rank test's 2^(1−3).
        var three = two.Append(Cell("supervised", 2, 0.32)).Append(Cell("simclr", 2, 0.31)).ToList();
        var tested = Of(Conclusions.Answer(three), "best-source", "emotion");
        Assert.Equal(3, tested.Count);
        Assert.Equal(0.25, tested.P, 1e-12);
        Assert.Equal(Support.Inconclusive, tested.Support);
    }

    [Fact]
    public void A_gain_that_shrinks_with_shots_is_a_supported_trend_with_the_planted_slope()
    {
        var questions = Conclusions.Answer(Study());

        var landmarks = Of(questions, "gain-vs-shots", "landmarks");
        Assert.Equal(Support.Supported, landmarks.Support);
        // Mean planted gain of the eight pre-trained sources at 1%, and a third of it lost per decade.
        var mean = new[] { 0.02, 0.03, 0.03, 0.04, 0.04, 0.01, 0.015, 0.015 }.Average();
        Assert.InRange(landmarks.Estimate, mean / 3 - 0.001, mean / 3 + 0.001);
        Assert.Equal(Support.Inconclusive, Of(questions, "gain-vs-shots", "emotion").Support);
    }

    [Fact]
    public void Method_and_dataset_contrasts_point_the_way_the_planted_effects_do()
    {
        var questions = Conclusions.Answer(Study());

        Assert.Equal(Support.Supported, Of(questions, "ssl-vs-supervised", "landmarks").Support);
        Assert.Equal(Support.Supported, Of(questions, "uncurated-vs-curated", "landmarks").Support);
        Assert.Equal(Support.Supported, Of(questions, "curated-vs-video", "landmarks").Support);
        // AU intensity is higher-is-better and favours the curated set: the hypothesis is contradicted.
        var au = Of(questions, "uncurated-vs-curated", "au");
        Assert.Equal(Support.Contradicted, au.Support);
        Assert.True(au.Estimate < 0);
        Assert.Equal(Support.Inconclusive, Of(questions, "curated-vs-video", "emotion").Support);
        // ssl-vs-supervised pairs the self-supervised mean with supervised on the two labelled sets.
        Assert.Equal(2 * 3 * 4, Of(questions, "ssl-vs-supervised", "landmarks").Count);
    }

    [Fact]
    public void The_best_source_is_named_only_where_it_beats_the_runner_up()
    {
        var questions = Conclusions.Answer(Study());
        var best = questions.Single(q => q.Key == "best-source").Evidence;

        // Landmarks: the two uncurated sources are planted equal, so the best is not distinguishable from the runner-up.
        var landmarks = best.Where(e => e.Task == "landmarks").ToList();
        Assert.Equal(3, landmarks.Count);
        Assert.All(landmarks, e => Assert.StartsWith("synth-uncurated/", e.First, StringComparison.Ordinal));
        Assert.All(landmarks, e => Assert.StartsWith("synth-uncurated/", e.Second, StringComparison.Ordinal));
        Assert.All(landmarks, e => Assert.NotEqual(Support.Supported, e.Support));
        Assert.All(best, e => Assert.Equal(4, e.Count));
        Assert.Equal(9, best.Count);
    }

    [Fact]
    public void A_clear_winner_in_a_cell_is_supported()
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 6).SelectMany(seed => new[]
        {
            Row("synth-curated", "simclr", "landmarks", 0.1, seed, 0.20 + (random.NextDouble() - 0.5) * 0.002),
            Row("synth-video", "simclr", "landmarks", 0.1, seed, 0.25 + (random.NextDouble() - 0.5) * 0.002),
            Row("", "scratch", "landmarks", 0.1, seed, 0.30 + (random.NextDouble() - 0.5) * 0.002),
        }).ToList();

        var best = Assert.Single(Conclusions.Answer(rows).Single(q => q.Key == "best-source").Evidence);

        Assert.Equal(("synth-curated/simclr", "synth-video/simclr"), (best.First, best.Second));
        Assert.Equal(Support.Supported, best.Support);
        Assert.InRange(best.Estimate, 0.049, 0.051);
    }

    [Fact]
    public void One_seed_is_not_supported_and_a_sweep_without_the_sources_says_what_is_missing()
    {
        var questions = Conclusions.Answer(Study(seeds: 1).Where(r => r.PretrainMethod != "supervised").ToList());

        Assert.All(questions.Single(q => q.Key == "best-source").Evidence, e => Assert.Equal(Support.NotSupported, e.Support));
        var missing = questions.Single(q => q.Key == "ssl-vs-supervised");
        Assert.Empty(missing.Evidence);
        Assert.Contains("not measured", missing.Missing, StringComparison.Ordinal);
        // Three (shots, seed) points still give a testable slope; the contrasts have three units.
        Assert.Equal(3, Of(questions, "ssl-uncurated-vs-scratch", "landmarks").Count);
    }

    [Fact]
    public void More_pre_training_images_are_found_to_help_where_planted_and_not_where_they_change_nothing()
    {
        var random = new Random(9);
        var rows = new List<ResultRow>();
        foreach (var (task, gain) in new[] { ("landmarks", 0.02), ("emotion", 0.0) })
            foreach (var images in new[] { 256, 4096 })
                foreach (var shots in new[] { 0.1, 1.0 })
                    foreach (var seed in Enumerable.Range(0, 4))
                    {
                        var noise = (random.NextDouble() - 0.5) * 0.004;
                        // Landmarks NME falls by 0.02 with 16× the images; emotion does not move.
                        var value = task == "landmarks" ? 0.3 - (images == 4096 ? gain : 0) + noise : 0.4 + noise;
                        rows.Add(Row("synth-video", "simclr", task, shots, seed, value) with { PretrainImages = images, PretrainId = $"pt-video-{images}" });
                    }

        var question = Conclusions.Answer(rows).Single(q => q.Key == "more-images");

        Assert.Null(question.Missing);
        var landmarks = question.Evidence.Single(e => e.Task == "landmarks");
        Assert.Equal((Support.Supported, 8), (landmarks.Support, landmarks.Count));
        Assert.InRange(landmarks.Estimate, 0.019, 0.021);
        Assert.NotEqual(Support.Supported, question.Evidence.Single(e => e.Task == "emotion").Support);
        Assert.Contains("not measured", Conclusions.Answer(Study()).Single(q => q.Key == "more-images").Missing, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_jobs_under_one_label_are_told_apart()
    {
        var rows = new[]
        {
            Row("synth-curated", "simclr", "landmarks", 0.1, 0, 0.2) with { PretrainId = "pt-a" },
            Row("synth-curated", "simclr", "landmarks", 0.1, 1, 0.2) with { PretrainId = "pt-a" },
            Row("synth-curated", "simclr", "landmarks", 0.1, 0, 0.3) with { PretrainId = "pt-b" },
            Row("", "scratch", "landmarks", 0.1, 0, 0.3),
        };

        var names = Conclusions.Disambiguate(rows).Select(r => r.Pretrain).ToList();

        Assert.Equal(["synth-curated/simclr#pt-a", "synth-curated/simclr#pt-a", "synth-curated/simclr#pt-b", "scratch"], names);
    }

    [Fact]
    public void Under_a_true_null_findings_are_as_rare_as_the_level_says()
    {
        // 200 studies with fresh noise: on emotion nothing is planted, so a finding there is a false positive.
        var falsePositives = 0;
        var scopes = 0;
        for (var noise = 1000; noise < 1200; noise++)
        {
            foreach (var evidence in Conclusions.Answer(Study(noiseSeed: noise)).SelectMany(q => q.Evidence).Where(e => e.Task == "emotion" && e.Shots is null))
            {
                scopes++;
                if (evidence.Support is Support.Supported or Support.Contradicted)
                    falsePositives++;
            }
        }

        Assert.Equal(200 * 5, scopes);
        var rate = (double)falsePositives / scopes;
        Assert.True(rate is > 0.01 and < 0.09, $"false-positive rate {rate:P1} at level 5%");
    }

    [Fact]
    public void The_regression_slope_and_its_standard_error_match_the_hand_computed_case()
    {
        // x = 0, 1, 2; y = 1, 3, 4: slope 3/2, residuals −1/6, 1/3, −1/6, se = √((1/6)/1/2) = √(1/12).
        var (slope, se) = Conclusions.Regression([(0, 1), (1, 3), (2, 4)]);

        Assert.Equal(1.5, slope, 12);
        Assert.Equal(Math.Sqrt(1.0 / 12), se, 12);
        Assert.True(double.IsNaN(Conclusions.Regression([(1, 1), (1, 2), (1, 3)]).Slope));
    }
}

public sealed class DatasetKindTests
{
    private static ResultRow Row(string? dataset, string content = "", string kind = "") =>
        HeadlineRows.Row(dataset is null ? "scratch" : $"{dataset}/simclr", "landmarks", 0.1, 0, 0.1) with
        {
            PretrainDataset = dataset,
            PretrainContent = content,
            PretrainKind = kind,
        };

    [Fact]
    public void An_imported_sets_kind_is_the_one_its_planning_recorded_never_guessed_from_its_name()
    {
        Assert.Equal("video", Conclusions.DatasetKind(Row("vox", "abc", "video")));
        Assert.Equal("uncurated", Conclusions.DatasetKind(Row("curated-looking", "abc", "uncurated")));
        // A union of kinds has none, whatever its name says.
        Assert.Null(Conclusions.DatasetKind(Row("video-and-crawl", "abc+def")));
        // SynthFace sets by their names, as before.
        Assert.Equal("video", Conclusions.DatasetKind(Row("synth-video")));
        Assert.Equal("uncurated", Conclusions.DatasetKind(Row("synth-uncurated")));
        Assert.Null(Conclusions.DatasetKind(Row(null)));
    }
}
