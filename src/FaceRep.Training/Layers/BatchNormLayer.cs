using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Layers;

/// <summary>
/// Batch normalisation over the channel dimension (dimension 1) of 2D or 4D inputs, with
/// PyTorch's parameter and buffer names (weight, bias, running_mean, running_var,
/// num_batches_tracked) so checkpoints interchange. Used instead of TorchSharp's BatchNorm,
/// whose training forward increments num_batches_tracked with temporary native scalars that
/// the finalizer can free mid-call (seen as "alpha must not be a floating point number" while
/// two jobs trained at once); here the increment passes held scalars and the rest is one call
/// to functional.batch_norm, which takes plain doubles.
/// </summary>
public sealed class BatchNormLayer : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly Tensor running_mean;
    private readonly Tensor running_var;
    private readonly Tensor num_batches_tracked;
#pragma warning restore IDE1006
    private readonly double _momentum;
    private readonly double _eps;

    /// <summary>Creates the layer for <paramref name="features"/> channels.</summary>
    public BatchNormLayer(long features, double momentum = 0.1, double eps = 1e-5)
        : base(nameof(BatchNormLayer))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        _momentum = momentum;
        _eps = eps;
        weight = new Parameter(ones(features));
        bias = new Parameter(zeros(features));
        running_mean = zeros(features);
        running_var = ones(features);
        num_batches_tracked = zeros(1, dtype: ScalarType.Int64).squeeze();
        register_parameter("weight", weight);
        register_parameter("bias", bias);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
        register_buffer("num_batches_tracked", num_batches_tracked);
    }

    /// <summary>
    /// The layer's place in a group of replicas whose batch norm is synchronised (null: this replica's chunk
    /// is normalised on its own). Not part of the module's state.
    /// </summary>
    public Distributed.BatchNormSync.Link? Sync { get; set; }

    /// <summary>Unit scale and zero shift, as a fresh layer has.</summary>
    public void Reset()
    {
        using var _ = no_grad();
        init.ones_(weight);
        init.zeros_(bias);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (training)
        {
            using (no_grad())
                num_batches_tracked.add_(HeldScalars.OneInteger, HeldScalars.OneInteger);
            if (Sync is { } sync)
                return sync.Group.Normalise(sync.Layer, sync.Replica, input, weight, bias, running_mean, running_var, _momentum, _eps);
        }

        return functional.batch_norm(input, running_mean, running_var, weight, bias, training, _momentum, _eps);
    }
}
