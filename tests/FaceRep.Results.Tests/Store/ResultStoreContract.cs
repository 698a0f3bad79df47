using FaceRep.Core.Experiments;
using FaceRep.Results.Queries;
using FaceRep.Results.Store;

namespace FaceRep.Results.Tests.Store;

/// <summary>
/// What every result store promises, run against each (DuckDB embedded, PostgreSQL in a cluster):
/// idempotent writes by job id, sweep membership, summaries, missing metrics, audit fields.
/// </summary>
public abstract class ResultStoreContract
{
    /// <summary>Opens the store under test; each call in one test opens the same data.</summary>
    protected abstract Task<IResultStore> OpenAsync();

    protected static ResultRow Row(string id, string pretrain, double shots, int seed, double nme, int attempt = 1) => new()
    {
        JobId = id,
        PretrainId = $"pt-{pretrain}",
        Pretrain = pretrain,
        PretrainDataset = pretrain == "scratch" ? null : "synth-curated",
        PretrainMethod = pretrain == "scratch" ? "scratch" : "simclr",
        Backbone = "resnet18",
        Width = 0.25,
        Input = 64,
        Task = "landmarks",
        Protocol = "finetune",
        Shots = shots,
        Seed = seed,
        Metrics = new Dictionary<string, double> { ["nme_io"] = nme, ["train_loss"] = 0.1 },
        DurationSeconds = 1.5,
        FinishedUtc = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero),
        Device = "silo/cpu0",
        Attempt = attempt,
        Versions = "test",
    };

    private static JobCurve Curve(string job, double scale, int steps = 3) => new(job,
    [
        new CurvePoint(CurvePhases.Pretrain, 0, steps, null, null, null, 0.04, 0),
        .. Enumerable.Range(1, steps).Select(s => new CurvePoint(CurvePhases.Pretrain, s, steps, scale / s, 1e-3 * s, 500.0 + s, s == steps ? 0.12 : null, 0.5 * s)),
    ]);

    [Fact]
    public async Task A_curve_is_kept_point_by_point_read_back_per_sweep_in_step_order_and_replaced_when_written_again()
    {
        await using var store = await OpenAsync();
        await store.RecordSweepAsync("s", ["pt-a", "ev-b"]);
        await store.RecordSweepAsync("other", ["pt-c"]);

        await store.WriteCurveAsync(Curve("pt-a", 10));
        await store.WriteCurveAsync(Curve("pt-c", 1));
        await store.WriteCurveAsync(new JobCurve("ev-b", [new CurvePoint(CurvePhases.Head, 0, 2, null, null, null, null, 0), new CurvePoint(CurvePhases.Head, 2, 2, 0.5, 0.1, 64, null, 1)]));
        await store.WriteCurveAsync(Curve("pt-a", 20, steps: 4));
        var curves = await store.ReadCurvesAsync("s");
        var all = await store.ReadCurvesAsync(null);

        Assert.Equal(["ev-b", "pt-a"], curves.Select(c => c.JobId));
        Assert.Equal(Curve("pt-a", 20, steps: 4).Points, curves[1].Points);
        Assert.Equal(CurvePhases.Head, curves[0].Points[1].Phase);
        Assert.Equal(["ev-b", "pt-a", "pt-c"], all.Select(c => c.JobId));
    }

    [Fact]
    public async Task A_loss_that_diverged_is_kept_as_missing_beside_the_points_before_it()
    {
        await using var store = await OpenAsync();
        await store.RecordSweepAsync("s", ["pt-x"]);
        var points = new[]
        {
            new CurvePoint(CurvePhases.Pretrain, 1, 3, 4.0, 0.1, 100, null, 1),
            new CurvePoint(CurvePhases.Pretrain, 2, 3, double.NaN, 0.1, 100, null, 2),
            new CurvePoint(CurvePhases.Pretrain, 3, 3, double.PositiveInfinity, 0.1, 100, null, 3),
        };

        await store.WriteCurveAsync(new JobCurve("pt-x", points));
        var kept = Assert.Single(await store.ReadCurvesAsync("s")).Points;

        Assert.Equal([4.0, null, null], kept.Select(p => p.Loss));
        Assert.Equal([1L, 2L, 3L], kept.Select(p => p.Step));
    }

    [Fact]
    public async Task A_curve_with_a_step_twice_is_refused_and_the_kept_curve_stays()
    {
        await using var store = await OpenAsync();
        await store.WriteCurveAsync(Curve("pt-a", 10));
        var twice = new JobCurve("pt-a", [new CurvePoint(CurvePhases.Pretrain, 1, 2, 1, 1, 1, null, 1), new CurvePoint(CurvePhases.Pretrain, 1, 2, 2, 1, 1, null, 2)]);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.WriteCurveAsync(twice));

        Assert.Contains("step 1 of phase pretrain twice", error.Message, StringComparison.Ordinal);
        Assert.Equal(Curve("pt-a", 10).Points, Assert.Single(await store.ReadCurvesAsync(null)).Points);
    }

    [Fact]
    public async Task Writing_a_job_twice_leaves_one_row_with_the_latest_values()
    {
        await using var store = await OpenAsync();
        await store.RecordSweepAsync("s", ["ev-1"]);

        await store.WriteAsync([Row("ev-1", "scratch", 0.05, 0, 0.30)]);
        await store.WriteAsync([Row("ev-1", "scratch", 0.05, 0, 0.25, attempt: 2)]);

        var row = Assert.Single(await store.ReadAsync("s"));
        Assert.Equal(0.25, row.Metrics["nme_io"]);
        Assert.Equal(2, row.Attempt);
        Assert.Equal(2, row.Metrics.Count);
    }

    [Fact]
    public async Task A_batch_mixing_new_jobs_and_rewritten_ones_leaves_one_row_each_with_the_latest_values()
    {
        await using var store = await OpenAsync();
        await store.WriteAsync([Row("a", "simclr", 0.1, 0, 0.5), Row("b", "simclr", 0.1, 1, 0.6)]);

        await store.WriteAsync([Row("c", "simclr", 0.1, 2, 0.7), Row("a", "simclr", 0.1, 0, 0.25, attempt: 2), Row("c", "simclr", 0.1, 2, 0.75, attempt: 2)]);
        var rows = await store.ReadAsync(null);

        Assert.Equal(["a", "b", "c"], rows.Select(r => r.JobId).Order(StringComparer.Ordinal));
        Assert.Equal((2, 0.25), (rows.Single(r => r.JobId == "a").Attempt, rows.Single(r => r.JobId == "a").Metrics["nme_io"]));
        Assert.Equal(0.6, rows.Single(r => r.JobId == "b").Metrics["nme_io"]);
        Assert.Equal((2, 0.75), (rows.Single(r => r.JobId == "c").Attempt, rows.Single(r => r.JobId == "c").Metrics["nme_io"]));
        Assert.All(rows, r => Assert.Equal(2, r.Metrics.Count));
    }

    [Fact]
    public async Task The_summary_is_mean_and_sample_std_over_seeds_per_cell()
    {
        await using var store = await OpenAsync();
        await store.RecordSweepAsync("s", ["a", "b", "c", "d"]);
        await store.WriteAsync([
            Row("a", "scratch", 0.05, 0, 0.30),
            Row("b", "scratch", 0.05, 1, 0.20),
            Row("c", "scratch", 0.2, 0, 0.10),
            Row("d", "synth-curated/simclr", 0.05, 0, 0.15),
        ]);

        var summary = await store.SummariseAsync("s", "nme_io");

        Assert.Equal(3, summary.Count);
        var cell = summary.Single(r => r.Pretrain == "scratch" && r.Shots == 0.05);
        Assert.Equal(2, cell.Count);
        Assert.Equal(0.25, cell.Mean, 12);
        Assert.Equal(Math.Sqrt(0.005), cell.StdDev, 12);   // (0.05² + 0.05²) / (2 − 1)
        Assert.Equal(0, summary.Single(r => r.Shots == 0.2).StdDev);
    }

    [Fact]
    public async Task The_learning_rate_and_validation_metrics_come_back_as_written()
    {
        await using var store = await OpenAsync();
        var row = Row("ev-lr", "scratch", 0.05, 0, 0.30) with
        {
            LearningRate = 0.003,
            PretrainImages = 4096,
            Metrics = new Dictionary<string, double> { ["nme_io"] = 0.30, ["val_nme_io"] = 0.28 },
        };

        await store.WriteAsync([row]);
        var read = Assert.Single(await store.ReadAsync(null));

        Assert.Equal(0.003, read.LearningRate);
        Assert.Equal(4096, read.PretrainImages);
        Assert.Equal(0.28, read.Metrics["val_nme_io"]);
    }

    [Fact]
    public async Task An_imported_sets_name_and_content_hash_come_back_as_written()
    {
        await using var store = await OpenAsync();
        var content = new string('a', 64) + "+" + new string('b', 64);
        var row = Row("ev-imported", "vgg+vox/simclr", 0.05, 0, 0.30) with { PretrainDataset = "vgg+vox", PretrainContent = content, PretrainKind = "video" };
        var synth = Row("ev-synth", "synth-curated/simclr", 0.05, 0, 0.31);

        await store.WriteAsync([row, synth]);
        var read = await store.ReadAsync(null);

        Assert.Equal(("vgg+vox", content), (read.Single(r => r.JobId == "ev-imported").PretrainDataset, read.Single(r => r.JobId == "ev-imported").PretrainContent));
        Assert.Equal("", read.Single(r => r.JobId == "ev-synth").PretrainContent);
        Assert.Equal(("video", ""), (read.Single(r => r.JobId == "ev-imported").PretrainKind, read.Single(r => r.JobId == "ev-synth").PretrainKind));
    }

    [Fact]
    public async Task A_sweep_record_counts_its_jobs_by_kind_and_keeps_the_latest_spec()
    {
        await using var store = await OpenAsync();
        Assert.Null(await store.ReadSweepAsync("s"));

        await store.RecordSweepAsync("s", ["pt-1", "ev-1", "ev-2", "ev-2"]);
        await store.RecordSweepAsync("other", ["pt-9"]);
        await store.RecordSpecAsync("s", "name: s\nseeds: [0]\n");
        await store.RecordSpecAsync("s", "name: s\nseeds: [0, 1]  # 'quoted' and ünïcode\n");

        Assert.Equal(new SweepRecord("s", 1, 2, "name: s\nseeds: [0, 1]  # 'quoted' and ünïcode\n"), await store.ReadSweepAsync("s"));
        Assert.Equal(new SweepRecord("other", 1, 0, null), await store.ReadSweepAsync("other"));
    }

    [Fact]
    public async Task Queries_see_only_the_sweeps_jobs()
    {
        await using var store = await OpenAsync();
        await store.RecordSweepAsync("one", ["a"]);
        await store.RecordSweepAsync("two", ["a", "b"]);
        await store.WriteAsync([Row("a", "scratch", 0.05, 0, 0.3), Row("b", "scratch", 0.05, 1, 0.2)]);

        Assert.Single(await store.ReadAsync("one"));
        Assert.Equal(2, (await store.ReadAsync("two")).Count);
        Assert.Equal(2, (await store.ReadAsync(null)).Count);
    }

    [Fact]
    public async Task Results_survive_reopening_the_store()
    {
        await using (var store = await OpenAsync())
        {
            await store.RecordSweepAsync("s", ["a"]);
            await store.WriteAsync([Row("a", "scratch", 0.05, 0, 0.3)]);
        }

        await using var reopened = await OpenAsync();
        var row = Assert.Single(await reopened.ReadAsync("s"));
        Assert.Equal(0.3, row.Metrics["nme_io"]);
        Assert.Null(row.PretrainDataset);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero), row.FinishedUtc);
    }

    [Fact]
    public async Task A_non_finite_metric_is_stored_as_missing_and_left_out_of_summaries()
    {
        await using var store = await OpenAsync();
        await store.RecordSweepAsync("s", ["a", "b"]);
        await store.WriteAsync([Row("a", "scratch", 0.05, 0, double.NaN), Row("b", "scratch", 0.05, 1, 0.2)]);

        var cell = Assert.Single(await store.SummariseAsync("s", "nme_io"));

        Assert.Equal(1, cell.Count);
        Assert.Equal(0.2, cell.Mean);
        Assert.True(double.IsNaN((await store.ReadAsync("s")).Single(r => r.JobId == "a").Metrics["nme_io"]));
    }

    [Fact]
    public async Task The_few_shot_indices_are_kept_with_the_result_for_audit()
    {
        await using var store = await OpenAsync();
        await store.RecordSweepAsync("s", ["a"]);

        await store.WriteAsync([Row("a", "scratch", 0.05, 0, 0.3) with { TrainIndices = "3,17,42" }]);

        Assert.Equal("3,17,42", Assert.Single(await store.ReadAsync("s")).TrainIndices);
    }

    [Fact]
    public async Task An_aggregate_query_filters_groups_and_gives_mean_std_and_a_t_interval()
    {
        await using var store = await OpenAsync();
        await store.RecordSweepAsync("q", ["a", "b", "c", "d", "e"]);
        await store.RecordSweepAsync("other", ["f"]);
        await store.WriteAsync([
            Row("a", "scratch", 0.05, 0, 0.30),
            Row("b", "scratch", 0.05, 1, 0.20),
            Row("c", "scratch", 0.2, 0, 0.10),
            Row("d", "synth-curated/simclr", 0.05, 0, 0.15),
            Row("e", "synth-curated/simclr", 1.0, 0, 0.05),
            Row("f", "scratch", 0.05, 2, 0.90),
        ]);

        var query = ResultQuery.Parse("nme_io", "q", ["shots=0.05,0.2", "task=landmarks"], ["pretrain,shots"]);
        var rows = await ((IResultQueries)store).QueryAsync(query);

        Assert.Equal(
            [["scratch", "0.05"], ["scratch", "0.2"], ["synth-curated/simclr", "0.05"]],
            rows.Select(r => r.Key.ToArray()));
        var cell = rows[0];
        Assert.Equal((2, 0.25, 0.2, 0.3), (cell.Count, Math.Round(cell.Mean, 12), cell.Min, cell.Max));
        Assert.Equal(Math.Sqrt(0.005), cell.StdDev, 12);
        // t(0.975, 1) = 12.706204736174698; half width = t · s / √n = 12.7062… · 0.05
        Assert.Equal(0.25 - 0.6353102368087349, cell.CiLower, 9);
        Assert.Equal(0.25 + 0.6353102368087349, cell.CiUpper, 9);
        Assert.True(double.IsNaN(rows[1].CiLower));
    }

    [Fact]
    public async Task Queries_follow_rewrites_and_sweeps_recorded_after_their_results()
    {
        await using var store = await OpenAsync();
        await store.RecordSweepAsync("early", ["a"]);
        await store.WriteAsync([Row("a", "scratch", 0.05, 0, 0.30), Row("b", "scratch", 0.05, 1, 0.20)]);
        // A rewrite replaces the value; a sweep recorded (twice) after the results sees them once.
        await store.WriteAsync([Row("a", "scratch", 0.05, 0, 0.10, attempt: 2)]);
        await store.RecordSweepAsync("late", ["a", "b"]);
        await store.RecordSweepAsync("late", ["b"]);

        var queries = (IResultQueries)store;
        var early = Assert.Single(await queries.QueryAsync(ResultQuery.Parse("nme_io", "early", [], [])));
        var late = Assert.Single(await queries.QueryAsync(ResultQuery.Parse("nme_io", "late", [], [])));
        var all = Assert.Single(await queries.QueryAsync(ResultQuery.Parse("nme_io", null, ["attempt=2"], [])));

        Assert.Equal((1, 0.10), (early.Count, early.Mean));
        Assert.Equal((2, 0.15), (late.Count, Math.Round(late.Mean, 12)));
        Assert.Equal((1, 0.10), (all.Count, all.Mean));
    }

    [Fact]
    public async Task Benchmark_results_keep_their_benchmark_and_group_by_benchmark_and_test_subset()
    {
        await using var store = await OpenAsync();
        await store.RecordSweepAsync("b", ["s", "w1", "w2"]);
        ResultRow OnBenchmark(string id, int seed, double full, double common, double challenging) => Row(id, "scratch", 0.5, seed, full) with
        {
            Benchmark = "300w",
            BenchmarkContent = "c0ffee",
            Metrics = new Dictionary<string, double> { ["nme_io"] = full, ["nme_io@common"] = common, ["nme_io@challenging"] = challenging, ["nme_iox"] = 9 },
        };
        await store.WriteAsync([Row("s", "scratch", 0.5, 0, 0.20), OnBenchmark("w1", 0, 0.10, 0.08, 0.18), OnBenchmark("w2", 1, 0.12, 0.10, 0.20)]);

        var queries = (IResultQueries)store;
        var rows = await queries.QueryAsync(ResultQuery.Parse("nme_io", "b", [], ["benchmark,subset"]));
        var challenging = await queries.QueryAsync(ResultQuery.Parse("nme_io", "b", ["subset=challenging"], []));
        var wholeSplits = await queries.QueryAsync(ResultQuery.Parse("nme_io", "b", [], ["benchmark"]));
        var read = await store.ReadAsync("b");

        // SynthFace's results have no benchmark and are over the whole test split; nme_iox is another metric.
        Assert.Equal([["", "full"], ["300w", "challenging"], ["300w", "common"], ["300w", "full"]], rows.Select(r => r.Key.ToArray()));
        Assert.Equal([0.20, 0.19, 0.09, 0.11], rows.Select(r => Math.Round(r.Mean, 12)));
        Assert.Equal((2, 0.19), (Assert.Single(challenging).Count, Math.Round(challenging[0].Mean, 12)));
        Assert.Equal([0.20, 0.11], wholeSplits.Select(r => Math.Round(r.Mean, 12)));
        Assert.Equal(("300w", "c0ffee", "landmarks on 300w"), (read.Single(r => r.JobId == "w1").Benchmark, read.Single(r => r.JobId == "w1").BenchmarkContent, read.Single(r => r.JobId == "w1").Scope));
        Assert.Equal(("", "landmarks"), (read.Single(r => r.JobId == "s").Benchmark, read.Single(r => r.JobId == "s").Scope));
        var summary = await store.SummariseAsync("b", "nme_io");
        Assert.Equal(["landmarks", "landmarks on 300w"], summary.Select(r => r.Task));
    }

    [Fact]
    public async Task A_query_without_groups_or_sweep_aggregates_every_result_of_the_metric()
    {
        await using var store = await OpenAsync();
        await store.WriteAsync([Row("a", "scratch", 0.05, 0, 0.30), Row("b", "scratch", 0.05, 1, double.NaN), Row("c", "scratch", 0.05, 2, 0.10)]);

        var all = Assert.Single(await ((IResultQueries)store).QueryAsync(ResultQuery.Parse("nme_io", null, [], [])));
        var none = await ((IResultQueries)store).QueryAsync(ResultQuery.Parse("no_such_metric", null, [], []));

        Assert.Empty(all.Key);
        Assert.Equal(2, all.Count);
        Assert.Equal(0.2, all.Mean, 12);
        Assert.Empty(none);
    }

    [Fact]
    public async Task Disposing_a_store_twice_is_harmless()
    {
        var store = await OpenAsync();
        await store.WriteAsync([Row("a", "scratch", 0.05, 0, 0.3)]);

        await store.DisposeAsync();
        await store.DisposeAsync();

        await using var reopened = await OpenAsync();
        Assert.Single(await reopened.ReadAsync(null));
    }
}
