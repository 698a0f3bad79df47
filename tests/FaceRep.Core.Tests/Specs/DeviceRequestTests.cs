using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;

namespace FaceRep.Core.Tests.Specs;

/// <summary>A pre-training entry's <c>devices</c>: how many devices of one silo it trains on together.</summary>
public sealed class DeviceRequestTests
{
    private static readonly BackboneSpec Backbone = new("resnet18", 0.25, 64);

    private static SweepSpec Parse(string pretrain) => new SweepSpecParser().Parse($"""
        name: devices
        pretrain:
        {pretrain}
        tasks: [landmarks]
        shots: [1.0]
        seeds: [0]
        """, "devices.yaml");

    [Fact]
    public void Devices_are_part_of_the_job_identity_only_above_one()
    {
        var one = PretrainConfig.From(Parse("  - {dataset: synth-curated, method: simclr, devices: 1}").Pretrain[0], Backbone);
        var none = PretrainConfig.From(Parse("  - {dataset: synth-curated, method: simclr}").Pretrain[0], Backbone);
        var four = PretrainConfig.From(Parse("  - {dataset: synth-curated, method: simclr, devices: 4}").Pretrain[0], Backbone);

        Assert.Equal(none.ToCanonicalJson(), one.ToCanonicalJson());
        Assert.DoesNotContain("devices", one.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.Equal(4, four.Devices);
        Assert.Contains("\"dataset\":\"synth-curated\",\"devices\":\"4\",\"epochs\"", four.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.NotEqual(one.Id, four.Id);
    }

    [Fact]
    public void Devices_survive_a_round_trip_through_the_canonical_form()
    {
        var config = PretrainConfig.From(Parse("  - {dataset: synth-video, method: byol, devices: 8}").Pretrain[0], Backbone);

        var read = (PretrainConfig)JobConfig.Parse(config.ToCanonicalJson());

        Assert.Equal(8, read.Devices);
        Assert.Equal(config.Id, read.Id);
    }

    [Fact]
    public void A_list_of_device_counts_is_one_more_axis_and_scratch_ignores_devices()
    {
        var spec = Parse("""
              - {dataset: synth-curated, method: moco, devices: [1, 2]}
              - {method: scratch, devices: 4}
            """);

        var configs = spec.Pretrain.Select(p => PretrainConfig.From(p, Backbone)).ToList();

        Assert.Equal([1, 2, 1], configs.Select(c => c.Devices));
        Assert.Equal(3, configs.Select(c => c.Id).Distinct().Count());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("two")]
    [InlineData("1.5")]
    public void A_bad_device_count_is_refused_with_the_field_and_value(string value)
    {
        var e = Assert.Throws<SpecException>(() => Parse($"  - {{dataset: synth-curated, method: simclr, devices: {value}}}"));

        Assert.Contains("devices.yaml:", e.Message, StringComparison.Ordinal);
        Assert.Contains("pretrain[0].devices", e.Message, StringComparison.Ordinal);
        Assert.Contains(value, e.Message, StringComparison.Ordinal);
    }
}
