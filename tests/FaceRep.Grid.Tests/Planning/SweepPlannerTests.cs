using System.Text.Json.Nodes;
using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Planning;
using FaceRep.Training.Backbones;
using FaceRep.Training.Methods;
using FaceRep.Training.Runs;

namespace FaceRep.Grid.Tests.Planning;

public sealed class SweepPlannerTests(GridFixture grid) : IClassFixture<GridFixture>
{
    private const string Spec = """
        name: planned
        pretrain:
          - {dataset: synth-curated, method: simclr, epochs: 1, images: 300}
        tasks: [landmarks]
        shots: [0.1]
        seeds: [0, 1]
        """;

    [Fact]
    public void The_names_a_spec_may_use_are_the_names_the_registries_can_run()
    {
        Assert.Equal(KnownNames.Methods.Order(StringComparer.Ordinal), PretrainMethods.Available.Order(StringComparer.Ordinal));
        Assert.Equal(KnownNames.Tasks.Order(StringComparer.Ordinal), JobRunner.AvailableTasks.Order(StringComparer.Ordinal));
        Assert.Equal(KnownNames.Architectures.Order(StringComparer.Ordinal), BackboneRegistry.Names.Order(StringComparer.Ordinal));
        Assert.Equal(KnownNames.Datasets.Order(StringComparer.Ordinal), SynthFaceCatalog.PretrainDatasets.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_planned_sweep_passes_the_servers_check()
    {
        var submission = SweepPlanner.Plan(Spec).Submission();

        Assert.Equal(3, submission.Jobs.Count);
        Assert.Null(SweepPlanner.Validate(submission, maxJobs: 10));
    }

    [Fact]
    public void A_method_option_out_of_range_is_refused_by_the_planner_naming_the_job()
    {
        var e = Assert.Throws<SpecException>(() => SweepPlanner.Plan(Spec.Replace("images: 300}", "images: 300, options: {projection_dim: -4}}", StringComparison.Ordinal), "planned.yaml"));

        Assert.Contains("pretrain (", e.Message, StringComparison.Ordinal);
        Assert.Contains("projection_dim", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_placement_the_devices_cannot_serve_and_a_gang_larger_than_them_are_named()
    {
        var plan = SweepPlanner.Plan(Spec.Replace("images: 300}", "images: 300, devices: 3}", StringComparison.Ordinal) + "\nplacement: {pretrain: gpu}\n", "planned.yaml");

        var problems = SweepPlanner.CheckPlacement(plan, ["cpu0", "cpu1"]);

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("planned.yaml: placement.pretrain: gpu, but this machine's grid has no gpu device (cpu0, cpu1)", problems[0], StringComparison.Ordinal);
        Assert.Contains(".devices: 3 is more than the 2 device(s)", problems[1], StringComparison.Ordinal);
        Assert.Empty(SweepPlanner.CheckPlacement(plan, ["cuda0", "cuda1", "cuda2"]));
    }

    [Fact]
    public async Task The_sweep_grain_refuses_a_submission_the_console_would_not_have_made()
    {
        var jobs = SweepPlanner.Plan(Spec).Submission().Jobs;
        var pretrain = jobs.Single(j => j.Kind == JobKind.Pretrain);

        // A method this build does not have, in a configuration whose id is its true hash.
        var config = JsonNode.Parse(pretrain.ConfigJson)!;
        config["method"] = "dino";
        var json = config.ToJsonString();
        var alien = pretrain with { Id = JobConfig.Parse(json).Id, ConfigJson = json };
        // A configuration that does not hash to its id.
        var mislabelled = pretrain with { Id = "pt-0000000000000000" };
        // An evaluation whose pre-training job is not in the sweep.
        var orphan = jobs.Where(j => j.Kind == JobKind.Evaluate).ToList();

        var refusals = new List<string?>();
        foreach (var (name, submitted) in new[] { ("alien-method", (IReadOnlyList<JobDescriptor>)[alien]), ("mislabelled", [mislabelled]), ("orphans", orphan) })
        {
            var result = await grid.Client.GetGrain<ISweepGrain>(name).SubmitAsync(new SweepSubmission(name, "hand-made", 0, submitted));
            Assert.False(result.Accepted);
            Assert.Equal(0, result.Status.Total);
            refusals.Add(result.Error);
        }

        Assert.Contains("method 'dino' is not available here", refusals[0], StringComparison.Ordinal);
        Assert.Contains("hashes to", refusals[1], StringComparison.Ordinal);
        Assert.Contains("must wait for its pre-training job", refusals[2], StringComparison.Ordinal);
    }
}
