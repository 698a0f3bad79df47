using FaceRep.Core.Experiments;
using FaceRep.Core.Metrics;
using FaceRep.Core.Specs;

namespace FaceRep.Core.Tests.Specs;

public sealed class BenchmarkSpecTests
{
    private static string Spec(string tasks) => $"""
        name: real
        pretrain:
          - {"{dataset: synth-curated, method: scratch}"}
        tasks: {tasks}
        shots: [0.5]
        seeds: [0, 1]
        """;

    private static SweepSpecParser Knowing(params string[] benchmarks) =>
        new(checkBenchmark: name => benchmarks.Contains(name) ? null : KnownNames.UnknownBenchmark(name, string.Join(", ", benchmarks)));

    [Fact]
    public void A_task_entry_names_a_benchmark_and_a_plain_name_keeps_meaning_synthface()
    {
        var spec = Knowing("300w").Parse(Spec("[landmarks, {task: landmarks, benchmark: 300w}]"));

        Assert.Equal(["landmarks"], spec.Tasks);
        Assert.Equal([new BenchmarkTaskSpec("landmarks", "300w")], spec.Benchmarks);
        var grid = GridExpander.Expand(spec with { Benchmarks = [spec.Benchmarks[0] with { Content = new string('a', 64), Kind = "300w" }] });
        Assert.Equal(4, grid.Evaluations.Count);
        Assert.Equal(GridExpander.CountJobs(spec), grid.JobCount);
        Assert.Equal(2, grid.Evaluations.Count(e => e.Config.OnBenchmark));
        Assert.All(grid.Evaluations.Where(e => e.Config.OnBenchmark), e => Assert.Equal(("300w", "300w"), (e.Config.Benchmark, e.Config.BenchmarkKind)));
    }

    [Fact]
    public void An_unknown_benchmark_is_refused_at_its_line_listing_those_there_are()
    {
        var e = Assert.Throws<SpecException>(() => Knowing("300w", "wflw").Parse(Spec("\n  - {task: landmarks, benchmark: 300vw}"), "real.yaml"));

        var error = Assert.Single(e.Errors);
        Assert.Equal(("real.yaml", 5, "tasks[0].benchmark"), (error.File, error.Line, error.Field));
        Assert.Contains("unknown benchmark '300vw'", error.Message, StringComparison.Ordinal);
        Assert.Contains("300w, wflw", error.Message, StringComparison.Ordinal);
        Assert.Contains("--benchmark", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Entries_without_a_task_or_with_unknown_fields_or_twice_are_named()
    {
        var e = Assert.Throws<SpecException>(() => Knowing("300w").Parse(Spec("[{benchmark: 300w}, {task: landmarks, benchmark: 300w, subset: common}, {task: landmarks, benchmark: 300w}, {task: landmarks, benchmark: 300w}]")));

        Assert.Contains(e.Errors, x => x.Field == "tasks[0].task" && x.Message.Contains("is required", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Field == "tasks[1].subset" && x.Message.Contains("unknown field 'subset'", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Field == "tasks[3]" && x.Message.Contains("listed twice", StringComparison.Ordinal));
        Assert.Contains("no dataset root given", Assert.Single(Assert.Throws<SpecException>(() => new SweepSpecParser().Parse(Spec("[{task: landmarks, benchmark: 300w}]"))).Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_job_id_hashes_the_benchmarks_content_not_its_name_and_synthface_ids_stay_as_they_were()
    {
        var source = PretrainConfig.From(SweepSpecParser.PretrainDefaults with { Method = "scratch" }, SweepSpecParser.BackboneDefaults);
        EvaluateConfig On(string name, string content, int taskTrain = 1000) =>
            new(source, "landmarks", "finetune", 0.5, 0, taskTrain, 300, 200, 32, 1e-3, name, content, "300w");
        var a = new string('a', 64);
        var b = new string('b', 64);

        Assert.Equal(On("300w", a).Id, On("renamed", a).Id);
        Assert.NotEqual(On("300w", a).Id, On("300w", b).Id);
        // SynthFace's split sizes do not touch a benchmark's own splits.
        Assert.Equal(On("300w", a).Id, On("300w", a, taskTrain: 50).Id);
        var synth = new EvaluateConfig(source, "landmarks", "finetune", 0.5, 0, 1000, 300, 200, 32, 1e-3);
        Assert.DoesNotContain("benchmark", synth.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.NotEqual(synth.Id, On("300w", a).Id);
        // The canonical configuration keeps the name and kind for people; reading it back gives the same job.
        var round = Assert.IsType<EvaluateConfig>(JobConfig.Parse(On("300w", a).ToCanonicalJson()));
        Assert.Equal(("300w", a, "300w", On("300w", a).Id), (round.Benchmark, round.BenchmarkContent, round.BenchmarkKind, round.Id));
    }

    [Fact]
    public void Metric_names_carry_their_test_subset_and_results_their_scope()
    {
        Assert.Equal("nme_io@challenging", MetricDefinitions.OnSubset("nme_io", "challenging"));
        Assert.Equal(("nme_io", "challenging"), MetricDefinitions.SplitSubset("nme_io@challenging"));
        Assert.Equal(("nme_io", "full"), MetricDefinitions.SplitSubset("nme_io"));
        Assert.Equal(MetricDirection.LowerIsBetter, MetricDefinitions.Find("floor_nme_io@common")!.Direction);
        Assert.Null(MetricDefinitions.Find("nme_io@"));
        Assert.Equal("landmarks on 300w", TaskScopes.Of("landmarks", "300w"));
        Assert.Equal("landmarks", TaskScopes.Of("landmarks", ""));
        Assert.Equal(("landmarks", "300w"), (TaskScopes.TaskOf("landmarks on 300w"), TaskScopes.BenchmarkOf("landmarks on 300w")));
        Assert.Equal(MetricDefinitions.ForTask("landmarks"), MetricDefinitions.ForTask("landmarks on 300w"));
        // A benchmark named otherwise than its kind carries the kind, so its metrics are known from the scope.
        Assert.Equal("recognition on lfw", TaskScopes.Of("recognition", "lfw", "lfw"));
        var named = TaskScopes.Of("recognition", "my-lfw", "lfw");
        Assert.Equal("recognition on my-lfw (lfw)", named);
        Assert.Equal(("recognition", "my-lfw", "lfw"), (TaskScopes.TaskOf(named), TaskScopes.BenchmarkOf(named), TaskScopes.KindOf(named)));
        Assert.Equal("lfw", TaskScopes.KindOf("recognition on lfw"));
        Assert.Null(TaskScopes.KindOf("recognition"));
        Assert.Equal("acc_10fold", MetricDefinitions.ForTask(named)[0].Name);
        Assert.Equal("tar_far_1e4", MetricDefinitions.ForTask("recognition on my-ijbb (ijbb)")[0].Name);
        Assert.Equal("nme_box", MetricDefinitions.ForTask("landmarks on aflw19")[0].Name);
        Assert.Equal("nme_io", MetricDefinitions.ForTask("landmarks on mine (cofw)")[0].Name);
    }
}
