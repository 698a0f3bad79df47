using FaceRep.Training.Methods;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Methods;

[Collection(TorchCollection.Name)]
public sealed class NtXentTests
{
    [Fact]
    public void Identical_embeddings_give_log_of_the_number_of_candidates()
    {
        // Every similarity is 1/τ, so each row's softmax is uniform over its 2N-1 candidates.
        const int n = 4;
        var z = ones(n, 8);

        var loss = Losses.NtXent(z, z.clone(), temperature: 0.5).item<float>();

        Assert.Equal(Math.Log((2 * n) - 1), loss, 5);
    }

    [Fact]
    public void Matches_a_reference_computed_by_hand()
    {
        var random = new Random(3);
        const int n = 3, d = 5;
        const double tau = 0.2;
        var a = Enumerable.Range(0, n * d).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var b = Enumerable.Range(0, n * d).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();

        var actual = Losses.NtXent(tensor(a, [n, d]), tensor(b, [n, d]), tau).item<float>();

        Assert.Equal(Reference(a, b, n, d, tau), actual, 4);
    }

    [Fact]
    public void The_loss_falls_when_its_inputs_are_optimised()
    {
        var z1 = new TorchSharp.Modules.Parameter(TorchRuntime.Seeded(11, () => randn(16, 8)));
        var z2 = new TorchSharp.Modules.Parameter(TorchRuntime.Seeded(12, () => randn(16, 8)));
        using var optimizer = optim.SGD([z1, z2], learningRate: 0.5);
        var first = Losses.NtXent(z1, z2, 0.5).item<float>();
        for (var step = 0; step < 300; step++)
        {
            using var scope = NewDisposeScope();
            var loss = Losses.NtXent(z1, z2, 0.5);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        var last = Losses.NtXent(z1, z2, 0.5).item<float>();
        Assert.True(last < first * 0.5, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Mismatched_views_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Losses.NtXent(ones(4, 8), ones(3, 8), 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.NtXent(ones(4, 8), ones(4, 8), 0));
    }

    /// <summary>NT-Xent written out with loops in double precision.</summary>
    private static double Reference(float[] a, float[] b, int n, int d, double tau)
    {
        var z = new double[2 * n][];
        for (var i = 0; i < 2 * n; i++)
        {
            var src = i < n ? a : b;
            var row = Enumerable.Range(0, d).Select(k => (double)src[((i % n) * d) + k]).ToArray();
            var norm = Math.Sqrt(row.Sum(v => v * v));
            z[i] = row.Select(v => v / norm).ToArray();
        }

        double total = 0;
        for (var i = 0; i < 2 * n; i++)
        {
            var positive = i < n ? i + n : i - n;
            double denominator = 0, numerator = 0;
            for (var j = 0; j < 2 * n; j++)
            {
                if (j == i)
                    continue;
                var s = Math.Exp(z[i].Zip(z[j], (x, y) => x * y).Sum() / tau);
                denominator += s;
                if (j == positive)
                    numerator = s;
            }

            total += -Math.Log(numerator / denominator);
        }

        return total / (2 * n);
    }
}
