using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;

namespace FaceRep.Core.Tests.Experiments;

public sealed class GridExpanderTests
{
    private static SweepSpec Spec(string pretrain = "[{dataset: synth-curated, method: scratch}, {dataset: synth-curated, method: simclr, epochs: 5}]",
        string shots = "[0.05, 0.2]", string seeds = "[0, 1]", string extra = "") =>
        new SweepSpecParser().Parse($"""
            name: t
            backbone: {"{arch: resnet18, width: 0.25, input: 64}"}
            pretrain: {pretrain}
            tasks: [landmarks]
            shots: {shots}
            seeds: {seeds}
            {extra}
            """);

    [Fact]
    public void The_smoke_grid_has_two_pretraining_and_eight_evaluation_jobs()
    {
        var grid = GridExpander.Expand(Spec());

        Assert.Equal(2, grid.Pretrain.Count);
        Assert.Equal(8, grid.Evaluations.Count);
        Assert.Equal(10, grid.JobCount);
        Assert.Equal(grid.JobCount, grid.Pretrain.Select(p => p.Id).Concat(grid.Evaluations.Select(e => e.Id)).Distinct().Count());
        Assert.All(grid.Evaluations, e => Assert.Contains(grid.Pretrain, p => p.Id == e.DependsOn));
    }

    [Fact]
    public void Counts_multiply_across_every_axis()
    {
        var spec = Spec(
            pretrain: "[{dataset: [synth-curated, synth-uncurated], method: [simclr, moco]}, {method: scratch}]",
            shots: "[0.01, 0.1, 1.0]", seeds: "[0, 1, 2, 3]", extra: "protocols: [finetune, linear]");

        var grid = GridExpander.Expand(spec);

        Assert.Equal(5, grid.Pretrain.Count);
        Assert.Equal(5 * 1 * 3 * 4 * 2, grid.Evaluations.Count);
        Assert.Equal(GridExpander.CountJobs(spec), grid.JobCount);
    }

    [Fact]
    public void Ids_are_stable_across_expansions_and_sweep_names()
    {
        var a = GridExpander.Expand(Spec());
        var b = GridExpander.Expand(Spec() with { Name = "another-sweep", Priority = 7 });

        Assert.Equal(a.Pretrain.Select(p => p.Id), b.Pretrain.Select(p => p.Id));
        Assert.Equal(a.Evaluations.Select(e => e.Id), b.Evaluations.Select(e => e.Id));
    }

    [Fact]
    public void Ids_change_when_anything_that_affects_the_result_changes()
    {
        var baseline = GridExpander.Expand(Spec());
        var moreEpochs = GridExpander.Expand(Spec(pretrain: "[{dataset: synth-curated, method: scratch}, {dataset: synth-curated, method: simclr, epochs: 6}]"));

        Assert.Equal(baseline.Pretrain[0].Id, moreEpochs.Pretrain[0].Id);
        Assert.NotEqual(baseline.Pretrain[1].Id, moreEpochs.Pretrain[1].Id);
        // Evaluations of the changed source change too, because they embed their source's configuration.
        var changed = baseline.Evaluations.Where(e => e.DependsOn == baseline.Pretrain[1].Id).Select(e => e.Id);
        Assert.Empty(changed.Intersect(moreEpochs.Evaluations.Select(e => e.Id)));
    }

    [Fact]
    public void Scratch_ignores_the_dataset_so_scratch_over_two_datasets_is_one_job()
    {
        // (Two separate entries naming it are refused by the parser as a source listed twice.)
        var grid = GridExpander.Expand(Spec(pretrain: "[{dataset: [synth-curated, synth-video], method: scratch}]"));

        var job = Assert.Single(grid.Pretrain);
        Assert.Equal("scratch", job.Config.Label);
    }

    [Fact]
    public void A_job_id_is_a_known_hash_of_its_canonical_configuration()
    {
        var config = PretrainConfig.From(new PretrainSpec("synth-curated", "simclr", 5, 1000, 64, 0.001, 0.2), new BackboneSpec("resnet18", 0.25, 64));

        Assert.Equal(
            """{"v":1,"kind":"pretrain","method":"simclr","backbone":{"arch":"resnet18","input":"64","width":"0.25"},"batch":"64","dataset":"synth-curated","epochs":"5","images":"1000","lr":"0.001","temperature":"0.2"}""",
            config.ToCanonicalJson());
        // SHA-256 of the JSON above, first 8 bytes; pinned so that an accidental change of the canonical form is caught.
        Assert.Equal(JobConfig.IdOf(JobKind.Pretrain, config.ToCanonicalJson()), config.Id);
        Assert.Matches("^pt-[0-9a-f]{16}$", config.Id);
    }

    [Fact]
    public void A_configuration_round_trips_through_its_canonical_json()
    {
        var grid = GridExpander.Expand(Spec());

        foreach (var job in grid.Evaluations)
        {
            var parsed = Assert.IsType<EvaluateConfig>(JobConfig.Parse(job.Config.ToCanonicalJson()));
            Assert.Equal(job.Config, parsed);
            Assert.Equal(job.Id, parsed.Id);
        }
    }
}
