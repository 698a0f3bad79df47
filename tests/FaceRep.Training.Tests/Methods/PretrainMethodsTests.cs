using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Training.Methods;
using FaceRep.Training.Runs;
using TorchSharp;

namespace FaceRep.Training.Tests.Methods;

[Collection(TorchCollection.Name)]
public sealed class PretrainMethodsTests
{
    private static readonly BackboneSpec Tiny = new("resnet18", 0.125, 32);

    public static TheoryData<string> TrainingMethods => ["supervised", "simclr", "moco", "swav", "byol", "barlow"];

    private static PretrainConfig Config(string method, int images = 64, int batch = 16, int epochs = 1, double lr = 1e-3, params (string, string)[] options) =>
        new(method, "synth-curated", Tiny, epochs, images, batch, lr, 0.2,
            options.Length == 0 ? null : new MethodOptions(options.Select(o => KeyValuePair.Create(o.Item1, o.Item2))));

    private static RunContext Context(PretrainConfig config) => new() { JobId = config.Id, Threads = 2 };

    [Theory]
    [MemberData(nameof(TrainingMethods))]
    public void Every_method_is_registered_and_trains_a_backbone(string method)
    {
        var config = Config(method);
        var losses = new List<double>();
        var context = new RunContext { JobId = config.Id, Threads = 2, Progress = p => { if (p.Loss is { } l) losses.Add(l); } };
        using var initial = TorchRuntime.Seeded(0, () => Training.Backbones.BackboneRegistry.Create(Tiny));

        using var trained = PretrainMethods.Get(method).Train(config, context);

        Assert.NotEmpty(losses);
        Assert.All(losses, l => Assert.True(double.IsFinite(l), $"{method} reported loss {l}"));
        var moved = trained.state_dict().Any(kv => kv.Value.is_floating_point() && !kv.Value.allclose(initial.state_dict()[kv.Key]));
        Assert.True(moved, $"{method} left the backbone at its initialisation");
    }

    [Theory]
    [MemberData(nameof(TrainingMethods))]
    public void The_same_job_twice_gives_identical_weights(string method)
    {
        var config = Config(method, images: 32, batch: 16);

        using var a = PretrainMethods.Get(method).Train(config, Context(config));
        using var b = PretrainMethods.Get(method).Train(config, Context(config));

        foreach (var (name, tensor) in a.state_dict())
            Assert.True(tensor.eq(b.state_dict()[name]).all().item<bool>(), $"{method}: {name} differs between two runs of the same job");
    }

    [Theory]
    [InlineData("swav")]
    [InlineData("moco")]
    [InlineData("byol")]
    public void The_loss_falls_over_a_short_run(string method)
    {
        // Several epochs over a small set: the objective must be learnable, not just finite.
        // MoCo's queue starts as random unit vectors, easier negatives than real keys: a small queue turns over at once.
        var config = method == "moco"
            ? Config(method, images: 64, batch: 16, epochs: 8, lr: 3e-3, options: [("queue", "32")])
            : Config(method, images: 64, batch: 16, epochs: 8, lr: 3e-3);
        var data = PretrainData.Load(config);
        var losses = new List<double>();
        using (var session = ((ITrainingMethod)PretrainMethods.Get(method)).Open(config, Context(config), data))
        using (var pipeline = new ViewPipeline(data, session.Plan, config.Batch, config.Epochs))
        {
            for (long step = 0; step < session.TotalSteps; step++)
                losses.Add(session.Step(pipeline.Next(), step));
        }

        // Compared from step 4: by then MoCo's queue holds real keys rather than its random start.
        var first = losses.Skip(4).Take(4).Average();
        var last = losses.TakeLast(4).Average();
        Assert.True(last < first, $"{method}: loss went from {first:F4} to {last:F4}: {string.Join(", ", losses.Select(l => l.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    [Fact]
    public void Live_tensors_stay_flat_over_a_hundred_training_steps()
    {
        // MoCo holds the most state across steps (queue, key encoder, shuffled key batches). The
        // count must not move at all, so a hundred steps show a leak of one tensor a step as well as five hundred.
        var config = Config("moco", images: 32, batch: 8, epochs: 30, options: [("queue", "64")]);
        var data = PretrainData.Load(config);
        using var session = ((ITrainingMethod)PretrainMethods.Get("moco")).Open(config, Context(config), data);
        using var pipeline = new ViewPipeline(data, session.Plan, config.Batch, config.Epochs);
        Assert.Equal(120, session.TotalSteps);
        for (long step = 0; step < 20; step++)
            session.Step(pipeline.Next(), step);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (long step = 20; step < 120; step++)
            session.Step(pipeline.Next(), step);

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Supervised_pretraining_refuses_a_dataset_without_identities()
    {
        var config = new PretrainConfig("supervised", "synth-uncurated", Tiny, 1, 64, 16, 1e-3, 0.2);

        var problems = PretrainMethods.Get("supervised").Validate(config);

        Assert.Contains(problems, p => p.Contains("identity labels", StringComparison.Ordinal) && p.Contains("synth-uncurated", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_and_out_of_range_options_are_all_reported()
    {
        var config = Config("swav", options: [("prototypes", "1"), ("protoypes", "30"), ("optimizer", "adam"), ("epsilon", "abc")]);

        var problems = PretrainMethods.Get("swav").Validate(config);

        Assert.Contains(problems, p => p.Contains("prototypes: '1' is out of range", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("no option 'protoypes'", StringComparison.Ordinal) && p.Contains("prototypes", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("optimizer: 'adam' is not one of adamw, sgd, lars", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("epsilon: 'abc' is not a number", StringComparison.Ordinal));
        var e = Assert.Throws<JobFailedException>(() => PretrainMethods.Get("swav").Train(config, Context(config)));
        Assert.Equal(FailureKind.Deterministic, e.Kind);
    }

    [Fact]
    public void A_batch_too_small_to_split_over_its_devices_is_refused()
    {
        var fits = Config("simclr", batch: 16) with { Devices = 8 };
        var tooMany = Config("simclr", batch: 16) with { Devices = 9 };

        Assert.DoesNotContain(PretrainMethods.Get("simclr").Validate(fits), p => p.Contains("devices", StringComparison.Ordinal));
        Assert.Contains(PretrainMethods.Get("simclr").Validate(tooMany), p => p.Contains("batch 16 is too small for 9 devices", StringComparison.Ordinal));
    }

    [Fact]
    public void View_options_are_read_by_the_methods_that_augment_and_refused_by_supervised()
    {
        var wrong = Config("byol", options: [("crop_min", "0"), ("jitter", "1.5"), ("grayscale", "x")]);
        var right = Config("simclr", options: [("crop_min", "0.5"), ("jitter", "0.2"), ("jitter_p", "1"), ("grayscale", "0")]);

        var problems = PretrainMethods.Get("byol").Validate(wrong);

        Assert.Contains(problems, p => p.Contains("crop_min: '0' is out of range", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("jitter: '1.5' is out of range", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("grayscale: 'x' is not a number", StringComparison.Ordinal));
        Assert.Empty(PretrainMethods.Get("simclr").Validate(right));
        // SwAV's crops have scales of their own (large_scale_min, small_scale_min/max).
        Assert.Contains(PretrainMethods.Get("swav").Validate(Config("swav", options: [("crop_min", "0.5")])),
            p => p.Contains("no option 'crop_min'", StringComparison.Ordinal) && p.Contains("large_scale_min", StringComparison.Ordinal));
        // Supervised pre-training sees mild task views; a view option there would silently do nothing.
        Assert.Contains(PretrainMethods.Get("supervised").Validate(Config("supervised", options: [("jitter", "0.2")])),
            p => p.Contains("no option 'jitter'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_moco_queue_smaller_than_a_batch_is_refused()
    {
        var problems = PretrainMethods.Get("moco").Validate(Config("moco", options: [("queue", "8")]));

        Assert.Contains(problems, p => p.Contains("queue", StringComparison.Ordinal) && p.Contains("smaller than the batch of 16", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("lars")]
    public void Paper_style_optimisers_train_too(string optimizer)
    {
        var config = Config("swav", lr: 0.05, options: [("optimizer", optimizer), ("warmup_start", "0.0625"), ("final_lr", "0.001"), ("queue", "32"), ("queue_start_epoch", "0")]);

        using var trained = PretrainMethods.Get("swav").Train(config, Context(config));

        Assert.All(trained.parameters(), p => Assert.False(p.isnan().any().item<bool>()));
    }

    [Fact]
    public void A_diverging_method_fails_as_diverged_with_the_step()
    {
        var config = Config("byol", lr: 1e30, epochs: 2);

        var e = Assert.Throws<JobFailedException>(() => PretrainMethods.Get("byol").Train(config, Context(config)));

        Assert.Equal(FailureKind.Diverged, e.Kind);
        Assert.Matches("at step [0-9]+ of 8", e.Message);
    }

    [Fact]
    public void Byol_target_momentum_rises_to_one_on_a_cosine()
    {
        Assert.Equal(0.99, ByolMethod.TargetMomentum(0.99, 0, 100), 12);
        Assert.Equal(0.995, ByolMethod.TargetMomentum(0.99, 50, 100), 12);
        Assert.Equal(1, ByolMethod.TargetMomentum(0.99, 100, 100), 12);
    }

    [Fact]
    public void A_synthface_set_too_large_to_hold_is_rendered_as_it_is_read_with_the_same_pixels_and_identities()
    {
        // A million 224-pixel images (the paper profile's size) would be 600 GB of float pixels.
        var large = new PretrainConfig("supervised", "synth-curated", new BackboneSpec("resnet18", 1, 224), 1, 1_000_000, 128, 0.1, 0.1);
        var small = large with { Backbone = new BackboneSpec("resnet18", 1, 32), Images = 64 };

        using var streamed = PretrainData.Load(large);
        using var held = PretrainData.Load(small);

        Assert.Equal(1_000_000, streamed.Count);
        var memory = GC.GetTotalMemory(forceFullCollection: false);
        Assert.True(memory < (1L << 30), $"{memory:N0} bytes managed after loading");
        var dataset = Data.SynthFaceCatalog.OpenPretrain("synth-curated", 1_000_000, 224, seed: 0);
        var pixels = new float[streamed.PixelsPerImage];
        foreach (var i in new[] { 0, 17, 999_999 })
        {
            var sample = dataset.Get(i);
            streamed.Render(i, pixels);
            Assert.Equal(sample.Pixels, pixels);
            Assert.Equal(sample.Identity, streamed.Identities[i]);
        }

        // Held or rendered, identities agree with the samples, distractors (−1) included.
        var small64 = Data.SynthFaceCatalog.OpenPretrain("synth-curated", 64, 32, seed: 0);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => small64.Get(i).Identity), held.Identities);
        Assert.Equal(held.EpochOrder(3), PretrainDataOrder(64, 3));
    }

    private static int[] PretrainDataOrder(int count, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(1_000 + epoch).Shuffle(order);
        return order;
    }
}
