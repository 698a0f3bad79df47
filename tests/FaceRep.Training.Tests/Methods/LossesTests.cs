using FaceRep.Training.Methods;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Tests.Methods;

/// <summary>
/// Each loss against a reference written out with loops in double precision from its formula,
/// a check that optimising its inputs lowers it, and its rejection of bad inputs.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class LossesTests
{
    // ---------------------------------------------------------------- InfoNCE

    [Fact]
    public void InfoNce_matches_a_reference_computed_by_hand()
    {
        const int n = 3, d = 4, k = 5;
        const double tau = 0.2;
        var q = Uniform(1, n * d);
        var key = Uniform(2, n * d);
        var queue = NormaliseRows(Uniform(3, k * d), d);

        var actual = Losses.InfoNce(tensor(q, [n, d]), tensor(key, [n, d]), tensor(queue, [k, d]), tau).item<float>();

        Assert.Equal(InfoNceReference(q, key, queue, n, d, k, tau), actual, 4);
    }

    [Fact]
    public void InfoNce_sends_no_gradient_to_the_key_or_the_queue()
    {
        var q = new Parameter(TorchRuntime.Seeded(21, () => randn(4, 6)));
        var key = new Parameter(TorchRuntime.Seeded(22, () => randn(4, 6)));
        var queue = new Parameter(TorchRuntime.Seeded(23, () => functional.normalize(randn(8, 6), dim: 1)));

        Losses.InfoNce(q, key, queue, 0.2).backward();

        Assert.NotNull(q.grad);
        Assert.Null(key.grad);
        Assert.Null(queue.grad);
    }

    [Fact]
    public void InfoNce_falls_when_the_queries_are_optimised()
    {
        var q = new Parameter(TorchRuntime.Seeded(31, () => randn(8, 6)));
        var key = TorchRuntime.Seeded(32, () => randn(8, 6));
        var queue = TorchRuntime.Seeded(33, () => functional.normalize(randn(32, 6), dim: 1));

        var (first, last) = Optimise([q], 0.5, 60, () => Losses.InfoNce(q, key, queue, 0.2));

        Assert.True(last < first * 0.5, $"loss went from {first} to {last}");
    }

    [Fact]
    public void InfoNce_rejects_bad_inputs()
    {
        var q = ones(4, 6);
        var queue = ones(8, 6);
        Assert.Throws<ArgumentException>(() => Losses.InfoNce(q, ones(3, 6), queue, 0.2));
        Assert.Throws<ArgumentException>(() => Losses.InfoNce(q, ones(4, 6), ones(8, 5), 0.2));
        Assert.Throws<ArgumentException>(() => Losses.InfoNce(ones(4), ones(4), queue, 0.2));
        AssertOutOfRange("temperature", "0", () => Losses.InfoNce(q, ones(4, 6), queue, 0));
        AssertOutOfRange("temperature", "-0.5", () => Losses.InfoNce(q, ones(4, 6), queue, -0.5));
        AssertOutOfRange("temperature", "NaN", () => Losses.InfoNce(q, ones(4, 6), queue, double.NaN));
    }

    // ---------------------------------------------------------------- Sinkhorn

    [Fact]
    public void Sinkhorn_gives_each_sample_an_assignment_summing_to_one()
    {
        const int b = 6, k = 4;
        var scores = tensor(Uniform(41, b * k), [b, k]);

        var codes = Losses.Sinkhorn(scores, 0.05, 3);

        Assert.Equal([b, k], codes.shape);
        var rows = codes.sum(dim: 1).data<float>().ToArray();
        Assert.All(rows, row => Assert.Equal(1.0, row, 5));
    }

    [Fact]
    public void Sinkhorn_converges_to_equal_prototype_shares()
    {
        const int b = 8, k = 4;
        var scores = tensor(Uniform(42, b * k), [b, k]);

        var codes = Losses.Sinkhorn(scores, 0.5, 50);

        var columns = codes.sum(dim: 0).data<float>().ToArray();
        Assert.All(columns, column => Assert.Equal((double)b / k, column, 4));
    }

    [Fact]
    public void Sinkhorn_matches_a_reference_computed_by_hand()
    {
        const int b = 5, k = 3;
        const double epsilon = 0.05;
        var scores = Uniform(43, b * k);

        var actual = Losses.Sinkhorn(tensor(scores, [b, k]), epsilon, 3).data<float>().ToArray();

        var expected = SinkhornReference(scores, b, k, epsilon, 3);
        for (var i = 0; i < b * k; i++)
            Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void Sinkhorn_carries_no_gradient()
    {
        var scores = new Parameter(TorchRuntime.Seeded(44, () => randn(4, 3)));

        var codes = Losses.Sinkhorn(scores, 0.05, 3);

        Assert.False(codes.requires_grad);
    }

    [Fact]
    public void Sinkhorn_rejects_bad_inputs()
    {
        Assert.Throws<ArgumentException>(() => Losses.Sinkhorn(ones(4), 0.05, 3));
        AssertOutOfRange("epsilon", "0", () => Losses.Sinkhorn(ones(4, 3), 0, 3));
        AssertOutOfRange("epsilon", "-1", () => Losses.Sinkhorn(ones(4, 3), -1, 3));
        AssertOutOfRange("iterations", "0", () => Losses.Sinkhorn(ones(4, 3), 0.05, 0));
    }

    // ---------------------------------------------------------------- SwAV

    [Fact]
    public void SwAV_matches_a_reference_computed_by_hand()
    {
        const int crops = 3, b = 4, k = 5;
        const double tau = 0.1, epsilon = 0.05;
        var scores = Enumerable.Range(0, crops).Select(c => Uniform(50 + c, b * k)).ToArray();

        var actual = Losses.SwAV(scores.Select(s => tensor(s, [b, k])).ToArray(), 2, tau, epsilon, 3).item<float>();

        Assert.Equal(SwAVReference(scores, 2, b, k, tau, epsilon, 3), actual, 4);
    }

    [Fact]
    public void SwAV_falls_when_embeddings_and_prototypes_are_optimised()
    {
        const int crops = 3, b = 8, k = 4, d = 8;
        var views = Enumerable.Range(0, crops).Select(c => new Parameter(TorchRuntime.Seeded(60 + c, () => randn(b, d)))).ToArray();
        var prototypes = new Parameter(TorchRuntime.Seeded(59, () => randn(k, d)));
        Tensor Loss()
        {
            var p = functional.normalize(prototypes, dim: 1);
            var scores = views.Select(v => functional.normalize(v, dim: 1).mm(p.t())).ToArray();
            return Losses.SwAV(scores, 2, 0.1, 0.05, 3);
        }

        var (first, last) = Optimise([.. views, prototypes], 0.5, 60, Loss);

        Assert.True(last < first * 0.5, $"loss went from {first} to {last}");
    }

    [Fact]
    public void SwAV_rejects_bad_inputs()
    {
        Tensor[] three = [ones(4, 5), ones(4, 5), ones(4, 5)];
        Assert.Throws<ArgumentException>(() => Losses.SwAV([ones(4, 5)], 1, 0.1, 0.05, 3));
        Assert.Throws<ArgumentException>(() => Losses.SwAV([ones(4, 5), ones(4, 6)], 1, 0.1, 0.05, 3));
        Assert.Throws<ArgumentException>(() => Losses.SwAV([ones(4, 5), ones(3, 5)], 1, 0.1, 0.05, 3));
        AssertOutOfRange("assignmentCrops", "0", () => Losses.SwAV(three, 0, 0.1, 0.05, 3));
        AssertOutOfRange("assignmentCrops", "4", () => Losses.SwAV(three, 4, 0.1, 0.05, 3));
        AssertOutOfRange("temperature", "0", () => Losses.SwAV(three, 2, 0, 0.05, 3));
        AssertOutOfRange("epsilon", "0", () => Losses.SwAV(three, 2, 0.1, 0, 3));
        AssertOutOfRange("iterations", "0", () => Losses.SwAV(three, 2, 0.1, 0.05, 0));
    }

    // ---------------------------------------------------------------- BYOL

    [Fact]
    public void Byol_matches_a_reference_computed_by_hand()
    {
        const int n = 3, d = 5;
        var p = Uniform(70, n * d);
        var z = Uniform(71, n * d);

        var actual = Losses.Byol(tensor(p, [n, d]), tensor(z, [n, d])).item<float>();

        var pn = NormaliseRows(p, d);
        var zn = NormaliseRows(z, d);
        var expected = Enumerable.Range(0, n).Average(i => 2 - (2 * Dot(pn, i, zn, i, d)));
        Assert.Equal(expected, actual, 5);
    }

    [Fact]
    public void Byol_sends_no_gradient_to_the_target()
    {
        var p = new Parameter(TorchRuntime.Seeded(72, () => randn(4, 6)));
        var z = new Parameter(TorchRuntime.Seeded(73, () => randn(4, 6)));

        Losses.Byol(p, z).backward();

        Assert.NotNull(p.grad);
        Assert.Null(z.grad);
    }

    [Fact]
    public void Byol_falls_when_the_predictions_are_optimised()
    {
        var p = new Parameter(TorchRuntime.Seeded(74, () => randn(8, 6)));
        var z = TorchRuntime.Seeded(75, () => randn(8, 6));

        var (first, last) = Optimise([p], 0.5, 50, () => Losses.Byol(p, z));

        Assert.True(last < first * 0.5, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Byol_rejects_mismatched_shapes()
    {
        Assert.Throws<ArgumentException>(() => Losses.Byol(ones(4, 6), ones(4, 5)));
        Assert.Throws<ArgumentException>(() => Losses.Byol(ones(4), ones(4)));
    }

    // ---------------------------------------------------------------- Barlow Twins

    [Fact]
    public void BarlowTwins_matches_a_reference_computed_by_hand()
    {
        const int n = 6, d = 3;
        const double lambda = 0.3;
        var z1 = Uniform(80, n * d);
        var z2 = Uniform(81, n * d);

        var actual = Losses.BarlowTwins(tensor(z1, [n, d]), tensor(z2, [n, d]), lambda).item<float>();

        Assert.Equal(BarlowTwinsReference(z1, z2, n, d, lambda), actual, 4);
    }

    [Fact]
    public void BarlowTwins_falls_when_its_inputs_are_optimised()
    {
        var z1 = new Parameter(TorchRuntime.Seeded(82, () => randn(16, 4)));
        var z2 = new Parameter(TorchRuntime.Seeded(83, () => randn(16, 4)));

        var (first, last) = Optimise([z1, z2], 0.5, 100, () => Losses.BarlowTwins(z1, z2, 0.05));

        Assert.True(last < first * 0.5, $"loss went from {first} to {last}");
    }

    [Fact]
    public void BarlowTwins_rejects_bad_inputs()
    {
        Assert.Throws<ArgumentException>(() => Losses.BarlowTwins(ones(4, 3), ones(4, 2), 0.1));
        Assert.Throws<ArgumentException>(() => Losses.BarlowTwins(ones(1, 3), ones(1, 3), 0.1));
        AssertOutOfRange("lambda", "-0.1", () => Losses.BarlowTwins(ones(4, 3), ones(4, 3), -0.1));
    }

    // ---------------------------------------------------------------- ArcFace

    [Fact]
    public void ArcFace_with_no_margin_is_cross_entropy_of_scaled_cosines()
    {
        const int n = 4, d = 5, c = 3;
        const double scale = 16;
        var e = Uniform(90, n * d);
        var w = Uniform(91, c * d);
        long[] labels = [0, 2, 1, 2];

        var actual = Losses.ArcFace(tensor(e, [n, d]), tensor(w, [c, d]), tensor(labels), scale, 0).item<float>();

        var en = NormaliseRows(e, d);
        var wn = NormaliseRows(w, d);
        var logits = new double[n][];
        for (var i = 0; i < n; i++)
            logits[i] = Enumerable.Range(0, c).Select(j => scale * Dot(en, i, wn, j, d)).ToArray();
        Assert.Equal(CrossEntropyReference(logits, labels), actual, 4);
    }

    [Fact]
    public void ArcFace_matches_a_reference_computed_by_hand()
    {
        const int n = 4, d = 5, c = 3;
        const double scale = 16, margin = 0.5;
        var e = Uniform(92, n * d);
        var w = Uniform(93, c * d);
        long[] labels = [1, 0, 2, 1];
        // Point the first embedding almost opposite its class so its angle passes π − m and the
        // fallback branch is exercised too.
        for (var k = 0; k < d; k++)
            e[k] = -w[(1 * d) + k] + (0.01f * k);
        var en = NormaliseRows(e, d);
        var wn = NormaliseRows(w, d);
        Assert.True(Dot(en, 0, wn, 1, d) < Math.Cos(Math.PI - margin), "the fixture should reach the fallback branch");

        var actual = Losses.ArcFace(tensor(e, [n, d]), tensor(w, [c, d]), tensor(labels), scale, margin).item<float>();

        var logits = new double[n][];
        for (var i = 0; i < n; i++)
        {
            logits[i] = new double[c];
            for (var j = 0; j < c; j++)
            {
                var cosine = Dot(en, i, wn, j, d);
                if (j == labels[i])
                {
                    var theta = Math.Acos(Math.Clamp(cosine, -1, 1));
                    cosine = cosine > Math.Cos(Math.PI - margin) ? Math.Cos(theta + margin) : cosine - (Math.Sin(Math.PI - margin) * margin);
                }

                logits[i][j] = scale * cosine;
            }
        }

        Assert.Equal(CrossEntropyReference(logits, labels), actual, 3);
    }

    [Fact]
    public void ArcFace_falls_when_embeddings_and_class_weights_are_optimised()
    {
        var e = new Parameter(TorchRuntime.Seeded(94, () => randn(8, 6)));
        var w = new Parameter(TorchRuntime.Seeded(95, () => randn(4, 6)));
        var labels = tensor(new long[] { 0, 1, 2, 3, 0, 1, 2, 3 });

        var (first, last) = Optimise([e, w], 0.1, 100, () => Losses.ArcFace(e, w, labels, 16, 0.5));

        Assert.True(last < first * 0.5, $"loss went from {first} to {last}");
    }

    [Fact]
    public void ArcFace_rejects_bad_inputs()
    {
        var e = ones(4, 6);
        var w = ones(3, 6);
        var labels = tensor(new long[] { 0, 1, 2, 0 });
        Assert.Throws<ArgumentException>(() => Losses.ArcFace(e, ones(3, 5), labels, 16, 0.5));
        Assert.Throws<ArgumentException>(() => Losses.ArcFace(e, w, tensor(new long[] { 0, 1, 2 }), 16, 0.5));
        Assert.Throws<ArgumentException>(() => Losses.ArcFace(e, w, tensor(new[] { 0f, 1, 2, 0 }), 16, 0.5));
        AssertOutOfRange("labels", "3", () => Losses.ArcFace(e, w, tensor(new long[] { 0, 1, 3, 0 }), 16, 0.5));
        AssertOutOfRange("labels", "-1", () => Losses.ArcFace(e, w, tensor(new long[] { 0, -1, 2, 0 }), 16, 0.5));
        AssertOutOfRange("scale", "0", () => Losses.ArcFace(e, w, labels, 0, 0.5));
        AssertOutOfRange("margin", "-0.1", () => Losses.ArcFace(e, w, labels, 16, -0.1));
        AssertOutOfRange("margin", "2", () => Losses.ArcFace(e, w, labels, 16, 2));
    }

    // ---------------------------------------------------------------- Softmax cross-entropy

    [Fact]
    public void SoftmaxCrossEntropy_matches_a_reference_computed_by_hand()
    {
        const int n = 3, c = 4;
        var x = Uniform(100, n * c);
        long[] labels = [3, 0, 1];

        var actual = Losses.SoftmaxCrossEntropy(tensor(x, [n, c]), tensor(labels)).item<float>();

        var logits = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, c).Select(j => (double)x[(i * c) + j]).ToArray()).ToArray();
        Assert.Equal(CrossEntropyReference(logits, labels), actual, 5);
    }

    [Fact]
    public void SoftmaxCrossEntropy_falls_when_the_logits_are_optimised()
    {
        var x = new Parameter(TorchRuntime.Seeded(101, () => randn(6, 4)));
        var labels = tensor(new long[] { 0, 1, 2, 3, 0, 1 });

        var (first, last) = Optimise([x], 0.5, 50, () => Losses.SoftmaxCrossEntropy(x, labels));

        Assert.True(last < first * 0.5, $"loss went from {first} to {last}");
    }

    [Fact]
    public void SoftmaxCrossEntropy_rejects_bad_inputs()
    {
        Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(ones(3, 4), tensor(new long[] { 0, 1 })));
        Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(ones(4), tensor(new long[] { 0, 1, 2, 3 })));
        AssertOutOfRange("labels", "4", () => Losses.SoftmaxCrossEntropy(ones(3, 4), tensor(new long[] { 0, 4, 1 })));
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Plain SGD on <paramref name="parameters"/>; the loss before and after.</summary>
    private static (float First, float Last) Optimise(Parameter[] parameters, double learningRate, int steps, Func<Tensor> loss)
    {
        using var optimizer = optim.SGD(parameters, learningRate);
        float first;
        using (NewDisposeScope())
            first = loss().item<float>();
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var value = loss();
            optimizer.zero_grad();
            value.backward();
            optimizer.step();
        }

        using (NewDisposeScope())
            return (first, loss().item<float>());
    }

    private static void AssertOutOfRange(string parameter, string value, Func<Tensor> call)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => call());
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    private static float[] Uniform(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
    }

    /// <summary>Rows of a row-major (·, d) array scaled to unit length, in float as a tensor would hold them.</summary>
    private static float[] NormaliseRows(float[] values, int d)
    {
        var result = new float[values.Length];
        for (var row = 0; row < values.Length / d; row++)
        {
            var norm = Math.Sqrt(Enumerable.Range(0, d).Sum(k => (double)values[(row * d) + k] * values[(row * d) + k]));
            for (var k = 0; k < d; k++)
                result[(row * d) + k] = (float)(values[(row * d) + k] / norm);
        }

        return result;
    }

    private static double Dot(float[] a, int rowA, float[] b, int rowB, int d) =>
        Enumerable.Range(0, d).Sum(k => (double)a[(rowA * d) + k] * b[(rowB * d) + k]);

    private static double CrossEntropyReference(double[][] logits, long[] labels)
    {
        double total = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var denominator = logits[i].Sum(Math.Exp);
            total += -Math.Log(Math.Exp(logits[i][labels[i]]) / denominator);
        }

        return total / logits.Length;
    }

    /// <summary>MoCo's InfoNCE: −log of the positive's share of exp(q·key/τ) among the key and the queue.</summary>
    private static double InfoNceReference(float[] q, float[] key, float[] queue, int n, int d, int k, double tau)
    {
        var qn = NormaliseRows(q, d);
        var kn = NormaliseRows(key, d);
        double total = 0;
        for (var i = 0; i < n; i++)
        {
            var positive = Math.Exp(Dot(qn, i, kn, i, d) / tau);
            var negatives = Enumerable.Range(0, k).Sum(j => Math.Exp(Dot(qn, i, queue, j, d) / tau));
            total += -Math.Log(positive / (positive + negatives));
        }

        return total / n;
    }

    /// <summary>SwAV's Sinkhorn–Knopp on a row-major (b, k) array; the (b, k) codes, row-major.</summary>
    private static double[] SinkhornReference(float[] scores, int b, int k, double epsilon, int iterations)
    {
        // q[proto, sample] = exp(score[sample, proto] / ε).
        var q = new double[k, b];
        for (var s = 0; s < b; s++)
        {
            for (var p = 0; p < k; p++)
                q[p, s] = Math.Exp(scores[(s * k) + p] / epsilon);
        }

        Scale(q, 1 / q.Cast<double>().Sum());
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            for (var p = 0; p < k; p++)
            {
                var row = Enumerable.Range(0, b).Sum(s => q[p, s]);
                for (var s = 0; s < b; s++)
                    q[p, s] /= row * k;
            }

            for (var s = 0; s < b; s++)
            {
                var column = Enumerable.Range(0, k).Sum(p => q[p, s]);
                for (var p = 0; p < k; p++)
                    q[p, s] /= column * b;
            }
        }

        var codes = new double[b * k];
        for (var s = 0; s < b; s++)
        {
            for (var p = 0; p < k; p++)
                codes[(s * k) + p] = q[p, s] * b;
        }

        return codes;

        static void Scale(double[,] m, double factor)
        {
            for (var i = 0; i < m.GetLength(0); i++)
            {
                for (var j = 0; j < m.GetLength(1); j++)
                    m[i, j] *= factor;
            }
        }
    }

    /// <summary>Swapped prediction: codes of each assigned crop against the softmax of every other crop.</summary>
    private static double SwAVReference(float[][] scores, int assigned, int b, int k, double tau, double epsilon, int iterations)
    {
        var crops = scores.Length;
        var logSoftmax = scores.Select(s =>
        {
            var result = new double[b * k];
            for (var i = 0; i < b; i++)
            {
                var logSum = Math.Log(Enumerable.Range(0, k).Sum(j => Math.Exp(s[(i * k) + j] / tau)));
                for (var j = 0; j < k; j++)
                    result[(i * k) + j] = (s[(i * k) + j] / tau) - logSum;
            }

            return result;
        }).ToArray();

        double total = 0;
        for (var a = 0; a < assigned; a++)
        {
            var codes = SinkhornReference(scores[a], b, k, epsilon, iterations);
            double sub = 0;
            for (var v = 0; v < crops; v++)
            {
                if (v == a)
                    continue;
                double crossEntropy = 0;
                for (var i = 0; i < b; i++)
                {
                    for (var j = 0; j < k; j++)
                        crossEntropy -= codes[(i * k) + j] * logSoftmax[v][(i * k) + j];
                }

                sub += crossEntropy / b;
            }

            total += sub / (crops - 1);
        }

        return total / assigned;
    }

    /// <summary>Barlow Twins with population standardisation (BatchNorm, ε = 1e-5) of each column.</summary>
    private static double BarlowTwinsReference(float[] z1, float[] z2, int n, int d, double lambda)
    {
        var a = Standardise(z1);
        var b = Standardise(z2);
        double loss = 0;
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j < d; j++)
            {
                var c = Enumerable.Range(0, n).Sum(r => a[r, i] * b[r, j]) / n;
                loss += i == j ? (1 - c) * (1 - c) : lambda * c * c;
            }
        }

        return loss;

        double[,] Standardise(float[] z)
        {
            var result = new double[n, d];
            for (var j = 0; j < d; j++)
            {
                var mean = Enumerable.Range(0, n).Average(r => (double)z[(r * d) + j]);
                var variance = Enumerable.Range(0, n).Average(r => (z[(r * d) + j] - mean) * (z[(r * d) + j] - mean));
                for (var r = 0; r < n; r++)
                    result[r, j] = (z[(r * d) + j] - mean) / Math.Sqrt(variance + 1e-5);
            }

            return result;
        }
    }
}
