using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;

namespace FaceRep.Core.Tests.Specs;

public sealed class MethodOptionsTests
{
    private static SweepSpec Parse(string pretrain) => new SweepSpecParser().Parse($"""
        name: options
        pretrain:
        {pretrain}
        tasks: [landmarks]
        shots: [1.0]
        seeds: [0]
        """, "options.yaml");

    private static readonly BackboneSpec Backbone = new("resnet18", 0.25, 64);

    [Fact]
    public void Options_are_carried_into_the_pretrain_configuration_sorted_by_name()
    {
        var spec = Parse("  - {dataset: synth-curated, method: swav, options: {queue: 0, prototypes: 300}}");

        var config = PretrainConfig.From(spec.Pretrain[0], Backbone);

        Assert.Equal(["prototypes", "queue"], config.Settings.Names);
        Assert.Equal(300, config.Settings.Integer("prototypes", 0));
        Assert.Contains("\"options\":{\"prototypes\":\"300\",\"queue\":\"0\"}", config.ToCanonicalJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_valued_option_is_one_more_axis_of_the_entry()
    {
        var spec = Parse("  - {dataset: synth-curated, method: swav, epochs: [1, 2], options: {prototypes: [30, 300]}}");

        var ids = spec.Pretrain.Select(p => PretrainConfig.From(p, Backbone).Id).ToHashSet();

        Assert.Equal(4, spec.Pretrain.Count);
        Assert.Equal(4, ids.Count);
    }

    [Fact]
    public void Numbers_are_canonical_so_equal_values_written_differently_are_one_job()
    {
        var a = PretrainConfig.From(Parse("  - {dataset: synth-curated, method: moco, options: {encoder_momentum: 0.990}}").Pretrain[0], Backbone);
        var b = PretrainConfig.From(Parse("  - {dataset: synth-curated, method: moco, options: {encoder_momentum: 9.9e-1}}").Pretrain[0], Backbone);

        Assert.Equal(a.Id, b.Id);
        Assert.Equal(a, b);
    }

    [Fact]
    public void A_configuration_without_options_keeps_the_id_it_had_before_options_existed()
    {
        // The canonical form of a SimCLR source as written before method options were added.
        const string before = """{"v":1,"kind":"pretrain","method":"simclr","backbone":{"arch":"resnet18","input":"64","width":"0.25"},"batch":"64","dataset":"synth-curated","epochs":"5","images":"1000","lr":"0.001","temperature":"0.2"}""";
        var config = PretrainConfig.From(new PretrainSpec("synth-curated", "simclr", 5, 1000, 64, 0.001, 0.2), Backbone);

        Assert.Equal(before, config.ToCanonicalJson());
    }

    [Fact]
    public void Options_survive_a_round_trip_through_the_canonical_form()
    {
        var config = PretrainConfig.From(Parse("  - {dataset: synth-video, method: byol, options: {target_momentum: 0.996}}").Pretrain[0], Backbone);

        var read = (PretrainConfig)JobConfig.Parse(config.ToCanonicalJson());

        Assert.Equal(config, read);
        Assert.Equal(config.Id, read.Id);
    }

    [Fact]
    public void Import_keeps_its_checkpoint_option_and_scratch_drops_options()
    {
        var spec = Parse("""
              - {method: import, options: {checkpoint: weights/resnet50.pth}}
              - {method: scratch, options: {anything: 1}}
            """);

        var import = PretrainConfig.From(spec.Pretrain[0], Backbone);
        var scratch = PretrainConfig.From(spec.Pretrain[1], Backbone);

        Assert.Equal("weights/resnet50.pth", import.Settings.Text("checkpoint", ""));
        Assert.Null(import.Dataset);
        Assert.Empty(scratch.Settings);
    }

    [Theory]
    [InlineData("options: [1, 2]", "expected a mapping of method settings")]
    [InlineData("options: {Prototypes: 3}", "is not an option name")]
    [InlineData("options: {queue: []}", "the list is empty")]
    [InlineData("options: {queue: {a: 1}}", "expected a single value")]
    public void Malformed_options_are_refused_with_the_field(string options, string message)
    {
        var e = Assert.Throws<SpecException>(() => Parse($"  - {{dataset: synth-curated, method: swav, {options}}}"));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains("options.yaml:", e.Message, StringComparison.Ordinal);
        Assert.Contains("pretrain[0].options", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Typed_readers_say_what_is_wrong()
    {
        var options = new MethodOptions([KeyValuePair.Create("queue", "many")]);

        var e = Assert.Throws<FormatException>(() => options.Integer("queue", 0));

        Assert.Contains("'many'", e.Message, StringComparison.Ordinal);
        Assert.Equal(7, options.Integer("absent", 7));
    }
}
