using static TorchSharp.torch;

namespace FaceRep.Training.Tests;

/// <summary>Managed pixels into tensors: the fast copies give exactly the numbers the plain path gives, and never alias the array.</summary>
[Collection(TorchCollection.Name)]
public sealed class PixelsTests
{
    [Fact]
    public void Normalised_pixels_equal_normalising_a_copy_bit_for_bit_from_any_offset()
    {
        var random = new Random(3);
        var pixels = Enumerable.Range(0, 5 * 3 * 4 * 4).Select(_ => random.NextSingle()).ToArray();
        var perImage = 3 * 4 * 4;

        using var all = Pixels.Normalised(pixels, [5, 3, 4, 4]);
        using var plain = Pixels.Normalise(tensor(pixels, [5, 3, 4, 4]));
        using var tail = Pixels.Normalised(pixels, [2, 3, 4, 4], 3L * perImage);
        using var plainTail = Pixels.Normalise(tensor(pixels.AsSpan(3 * perImage, 2 * perImage).ToArray(), [2, 3, 4, 4]));

        Assert.True(all.equal(plain).all().item<bool>());
        Assert.True(tail.equal(plainTail).all().item<bool>());
        Assert.Equal([2L, 3, 4, 4], tail.shape);
    }

    [Fact]
    public void The_tensors_are_copies_the_array_can_be_reused_under()
    {
        var pixels = new float[] { 0.5f, 0.75f, 1f, 0f };
        var labels = new float[] { 1f, 2f, 3f, 4f };

        using var x = Pixels.Normalised(pixels, [1, 1, 2, 2]);
        using var y = Pixels.Copy(labels, [2, 2]);
        Array.Fill(pixels, 9f);
        Array.Fill(labels, 9f);

        Assert.Equal([0f, 1f, 2f, -2f], x.data<float>().ToArray());
        Assert.Equal([1f, 2f, 3f, 4f], y.data<float>().ToArray());
    }
}

[Collection(TorchCollection.Name)]
public sealed class NormalisationTests
{
    [Fact]
    public void A_backbones_normalisation_subtracts_and_divides_per_channel_and_the_default_is_unchanged()
    {
        // One 2×2 image, channel c's pixels all 0.1 + 0.3c.
        var pixels = Enumerable.Range(0, 12).Select(i => 0.1f + (0.3f * (i / 4))).ToArray();
        var paper = Core.Specs.InputNormalisation.Paper;

        using var x = Pixels.Normalised(pixels, [1, 3, 2, 2], 0, paper);
        using var centred = Pixels.Normalised(pixels, [1, 3, 2, 2], 0, Core.Specs.InputNormalisation.Centred);
        using var plain = Pixels.Normalised(pixels, [1, 3, 2, 2]);

        var values = x.data<float>().ToArray();
        for (var c = 0; c < 3; c++)
        {
            var expected = (float)((0.1 + (0.3 * c) - paper.Means[c]) / paper.Stds[c]);
            Assert.All(values.Skip(4 * c).Take(4), v => Assert.Equal(expected, v, 5));
        }

        Assert.Equal(plain.data<float>().ToArray(), centred.data<float>().ToArray());
        Assert.Equal((0.1f - 0.5f) / 0.25f, plain.data<float>()[0], 6);
    }
}

[Collection(TorchCollection.Name)]
public sealed class NormalisationInTrainingTests
{
    [Fact]
    public void Pre_training_and_evaluation_feed_the_backbone_with_its_own_normalisation()
    {
        var centred = new Core.Specs.BackboneSpec("resnet18", 0.125, 32);
        var paper = centred with { Normalisation = Core.Specs.InputNormalisation.Paper };

        double FirstLoss(Core.Specs.BackboneSpec backbone)
        {
            var config = new Core.Experiments.PretrainConfig("simclr", "synth-curated", backbone, 1, 32, 16, 1e-3, 0.2);
            using var data = Training.Methods.PretrainData.Load(config);
            var method = (Training.Methods.ITrainingMethod)Training.Methods.PretrainMethods.Get("simclr");
            using var session = method.Open(config, new Training.Runs.RunContext { JobId = config.Id, Threads = 1 }, data);
            using var pipeline = new Training.Methods.ViewPipeline(data, session.Plan, 16, 1);
            return session.Step(pipeline.Next(), 0);
        }

        double Nme(Core.Specs.BackboneSpec backbone)
        {
            var scratch = new Core.Experiments.PretrainConfig("scratch", null, backbone, 0, 0, 0, 0, 0);
            var config = new Core.Experiments.EvaluateConfig(scratch, "landmarks", "finetune", 1.0, 0, 64, 32, 2, 8, 1e-3);
            using var model = TorchRuntime.Seeded(0, () => Training.Backbones.BackboneRegistry.Create(backbone));
            return Training.Tasks.TaskRunner.Run(config, model, new Training.Runs.RunContext { JobId = config.Id, Threads = 1 }, out _)["nme_io"];
        }

        // The same seeds and images: only the inputs' normalisation differs, so the numbers must.
        Assert.NotEqual(FirstLoss(centred), FirstLoss(paper));
        Assert.Equal(FirstLoss(centred), FirstLoss(centred));
        Assert.NotEqual(Nme(centred), Nme(paper));
    }
}
