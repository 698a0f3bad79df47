using FaceRep.Training.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Methods;

/// <summary>The MLP projector of contrastive methods: Linear → BatchNorm → ReLU → Linear.</summary>
public sealed class ProjectionHead : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Linear fc1;
    private readonly BatchNormLayer bn1;
    private readonly Linear fc2;
#pragma warning restore IDE1006

    /// <summary>Creates the projector.</summary>
    public ProjectionHead(long input, long hidden, long output)
        : base(nameof(ProjectionHead))
    {
        fc1 = Linear(input, hidden, hasBias: false);
        bn1 = new BatchNormLayer(hidden);
        fc2 = Linear(hidden, output);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return fc2.call(functional.relu(bn1.call(fc1.call(input)))).MoveToOuterDisposeScope();
    }
}
