using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Tasks;

/// <summary>
/// A linear regression head on flattened features, started at the training subset's mean
/// target (zero weights, the mean as bias): its first prediction is the mean and training learns
/// the deviations. With a random start, un-normalised backbone features put the first
/// predictions far away and few-shot budgets are spent pulling them back.
/// </summary>
internal sealed class RegressionHead : IDisposable
{
    private readonly Linear _linear;

    /// <summary>Creates the head for <paramref name="inputs"/> features and the mean of the given targets (each row <paramref name="outputs"/> values).</summary>
    public RegressionHead(long inputs, int outputs, ReadOnlySpan<float> targets)
    {
        _linear = Linear(inputs, outputs);
        var mean = new float[outputs];
        var rows = targets.Length / outputs;
        for (var i = 0; i < targets.Length; i++)
            mean[i % outputs] += targets[i] / rows;
        using var _ = no_grad();
        _linear.weight!.zero_();
        using var bias = tensor(mean, device: FaceRep.Training.JobDevices.Cpu);
        _linear.bias!.copy_(bias);
    }

    public IEnumerable<Parameter> Parameters => _linear.parameters();

    public void SetTraining(bool training) => _linear.train(training);

    public void MoveTo(Device device) => FaceRep.Training.JobDevices.Move(_linear, device);

    public Tensor Forward(Tensor features) => _linear.call(features.flatten(1));

    public void Dispose() => _linear.Dispose();
}
