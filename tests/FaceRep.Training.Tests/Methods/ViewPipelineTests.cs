using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Training.Methods;

namespace FaceRep.Training.Tests.Methods;

public sealed class ViewPipelineTests
{
    private static PretrainData Data() =>
        PretrainData.Load(new PretrainConfig("simclr", "synth-curated", new BackboneSpec("resnet18", 0.125, 32), 2, 24, 8, 1e-3, 0.2));

    private static List<float[][]> Run(PretrainData data, ViewPlan plan, int batch, int epochs)
    {
        using var pipeline = new ViewPipeline(data, plan, batch, epochs);
        var batches = new List<float[][]>();
        for (var i = 0; i < pipeline.TotalSteps; i++)
            batches.Add(pipeline.Next().Views.Select(v => v.ToArray()).ToArray());
        return batches;
    }

    [Fact]
    public void The_views_of_a_run_do_not_depend_on_timing()
    {
        var data = Data();
        var plan = new ViewPlan(ViewStyle.Contrastive, 2);

        var a = Run(data, plan, 8, 2);
        var b = Run(data, plan, 8, 2);

        Assert.Equal(6, a.Count);
        for (var step = 0; step < a.Count; step++)
        {
            for (var v = 0; v < 2; v++)
                Assert.Equal(a[step][v], b[step][v]);
        }

        Assert.NotEqual(a[0][0], a[0][1]);
    }

    [Fact]
    public void Multi_crop_gives_large_and_small_views_of_their_sizes()
    {
        var data = Data();
        var plan = new ViewPlan(ViewStyle.MultiCrop, 2, 3, 16, (0.14, 1), (0.05, 0.14));

        using var pipeline = new ViewPipeline(data, plan, 8, 1);
        var batch = pipeline.Next();

        Assert.Equal(5, batch.Views.Length);
        Assert.All(batch.Views.Take(2), v => Assert.Equal(8 * 3 * 32 * 32, v.Length));
        Assert.All(batch.Views.Skip(2), v => Assert.Equal(8 * 3 * 16 * 16, v.Length));
        Assert.All(batch.Views, v => Assert.All(v, x => Assert.InRange(x, 0f, 1f)));
    }

    [Fact]
    public void Each_epoch_visits_every_image_once()
    {
        var data = Data();
        using var pipeline = new ViewPipeline(data, new ViewPlan(ViewStyle.Light, 1), 8, 2);

        var epoch1 = Enumerable.Range(0, 3).SelectMany(_ => pipeline.Next().Indices.ToArray()).ToList();
        var epoch2 = Enumerable.Range(0, 3).SelectMany(_ => pipeline.Next().Indices.ToArray()).ToList();

        Assert.Equal(Enumerable.Range(0, 24), epoch1.Order());
        Assert.Equal(Enumerable.Range(0, 24), epoch2.Order());
        Assert.NotEqual(epoch1, epoch2);
        Assert.Throws<InvalidOperationException>(() => pipeline.Next());
    }
}
