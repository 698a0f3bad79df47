using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;

namespace FaceRep.Core.Tests.Specs;

/// <summary>A spec's <c>placement</c>: which kind of device each stage's jobs run on in a mixed cluster.</summary>
public sealed class PlacementTests
{
    private static string Spec(string placement) => $"""
        name: placed
        pretrain:
          - {"{dataset: synth-curated, method: simclr}"}
        tasks: [landmarks]
        shots: [1.0]
        seeds: [0]
        {placement}
        """;

    [Fact]
    public void Placement_is_read_per_stage_and_defaults_to_any_device()
    {
        var placed = new SweepSpecParser().Parse(Spec("placement: {pretrain: gpu, evaluate: cpu}"), "placed.yaml");
        var unplaced = new SweepSpecParser().Parse(Spec(""), "placed.yaml");

        Assert.Equal(new PlacementSpec("gpu", "cpu"), placed.Placement);
        Assert.Equal("gpu", placed.Placement.For(pretrain: true));
        Assert.Equal("cpu", placed.Placement.For(pretrain: false));
        Assert.Equal(PlacementSpec.Anywhere, unplaced.Placement);
        Assert.Null(unplaced.Placement.For(pretrain: true));
        Assert.Null(new PlacementSpec("gpu", "any").For(pretrain: false));
    }

    [Fact]
    public void Placement_does_not_change_any_job_id()
    {
        var placed = GridExpander.Expand(new SweepSpecParser().Parse(Spec("placement: {pretrain: gpu}"), "placed.yaml"));
        var unplaced = GridExpander.Expand(new SweepSpecParser().Parse(Spec(""), "placed.yaml"));

        Assert.Equal(unplaced.Pretrain.Select(p => p.Config.Id), placed.Pretrain.Select(p => p.Config.Id));
        Assert.Equal(unplaced.Evaluations.Select(e => e.Config.Id), placed.Evaluations.Select(e => e.Config.Id));
    }

    [Theory]
    [InlineData("placement: {pretrain: tpu}", "placement.pretrain", "unknown device kind 'tpu'")]
    [InlineData("placement: {evaluate: [gpu]}", "placement.evaluate", "")]
    [InlineData("placement: {pretrain: gpu, train: cpu}", "placement.train", "train")]
    [InlineData("placement: gpu", "placement", "expected a mapping")]
    public void A_bad_placement_names_the_field_and_line(string placement, string field, string message)
    {
        var e = Assert.Throws<SpecException>(() => new SweepSpecParser().Parse(Spec(placement), "placed.yaml"));

        var error = Assert.Single(e.Errors);
        Assert.Equal(field, error.Field);
        Assert.Equal(7, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("placed.yaml", error.ToString(), StringComparison.Ordinal);
    }
}
