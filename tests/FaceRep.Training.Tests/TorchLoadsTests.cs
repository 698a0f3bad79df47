using static TorchSharp.torch;

namespace FaceRep.Training.Tests;

[Collection(TorchCollection.Name)]
public sealed class TorchLoadsTests
{
    [Fact]
    public void Libtorch_loads_on_this_machine_and_a_model_trains()
    {
        // Fits y = 3x - 2 with one linear unit; if libLibTorchSharp.so failed to load this throws DllNotFoundException.
        var model = TorchRuntime.Seeded(7, () => nn.Linear(1, 1));
        using var optimizer = optim.SGD(model.parameters(), learningRate: 0.1);
        var x = linspace(-1, 1, 32).reshape(32, 1);
        var y = (3 * x) - 2;
        double first = 0, last = 0;
        for (var step = 0; step < 200; step++)
        {
            using var scope = NewDisposeScope();
            var loss = nn.functional.mse_loss(model.call(x), y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            if (step == 0)
                first = loss.item<float>();
            last = loss.item<float>();
        }

        Assert.True(last < first / 100, $"loss went from {first} to {last}");
        Assert.Equal(3, model.weight!.item<float>(), 2);
        Assert.Equal(-2, model.bias!.item<float>(), 2);
    }
}
