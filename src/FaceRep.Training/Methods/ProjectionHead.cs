using FaceRep.Training.Layers;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Methods;

/// <summary>
/// The MLP projector (and predictor) of self-supervised methods: (Linear → BatchNorm → ReLU) ×
/// (layers − 1), then Linear. Two layers for SimCLR, MoCo v2, SwAV and BYOL; three for Barlow Twins.
/// </summary>
public sealed class ProjectionHead : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly TorchSharp.Modules.Sequential net;
#pragma warning restore IDE1006

    /// <summary>Creates the projector.</summary>
    public ProjectionHead(long input, long hidden, long output, int layers = 2)
        : base(nameof(ProjectionHead))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        var modules = new List<Module<Tensor, Tensor>>();
        var width = input;
        for (var i = 0; i < layers - 1; i++)
        {
            modules.Add(Linear(width, hidden, hasBias: false));
            modules.Add(new BatchNormLayer(hidden));
            modules.Add(ReLU());
            width = hidden;
        }

        modules.Add(Linear(width, output));
        net = Sequential(modules);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => net.call(input);
}
