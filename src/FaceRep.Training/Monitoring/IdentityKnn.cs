using System.Collections.Concurrent;
using FaceRep.Data;
using FaceRep.Training.Backbones;
using static TorchSharp.torch;

namespace FaceRep.Training.Monitoring;

/// <summary>
/// Online identity k-NN on <see cref="SynthFaceCatalog.OpenIdentityProbe"/>, the way solo-learn
/// watches its runs (its <c>WeightedKNNClassifier</c>): the backbone's pooled features, L2-normalised;
/// half of each identity's images form the bank, the other half are queries; each query's
/// <see cref="K"/> most cosine-similar bank images vote with weight exp(similarity / <see cref="Temperature"/>);
/// the accuracy is the share of queries whose top class is their identity. Chance is 1 in
/// <see cref="SynthFaceCatalog.ProbeIdentities"/>.
/// </summary>
public sealed class IdentityKnn
{
    /// <summary>Neighbours that vote.</summary>
    public const int K = 20;

    /// <summary>Temperature of the vote weights.</summary>
    public const double Temperature = 0.07;

    private static readonly ConcurrentDictionary<int, IdentityKnn> ByResolution = new();

    private readonly float[] _bank;
    private readonly long[] _bankLabels;
    private readonly float[] _queries;
    private readonly long[] _queryLabels;
    private readonly int _resolution;

    private IdentityKnn(int resolution)
    {
        _resolution = resolution;
        var probe = SynthFaceCatalog.OpenIdentityProbe(resolution);
        var perImage = 3 * resolution * resolution;
        var samples = Enumerable.Range(0, probe.Count).Select(probe.Get).ToList();
        var identities = samples.Select(s => s.Identity).Distinct().Order().Select((id, i) => (id, i)).ToDictionary(p => p.id, p => (long)p.i);
        // Per identity, the first half of its images (in index order) are the bank.
        var seen = new Dictionary<int, int>();
        var total = samples.GroupBy(s => s.Identity).ToDictionary(g => g.Key, g => g.Count());
        var bank = new List<int>();
        var queries = new List<int>();
        for (var i = 0; i < samples.Count; i++)
        {
            var id = samples[i].Identity;
            var n = seen[id] = seen.GetValueOrDefault(id) + 1;
            (n <= total[id] / 2 ? bank : queries).Add(i);
        }

        float[] Pixels(List<int> which)
        {
            var pixels = new float[which.Count * perImage];
            for (var j = 0; j < which.Count; j++)
                samples[which[j]].Pixels.CopyTo(pixels.AsSpan(j * perImage, perImage));
            return pixels;
        }

        _bank = Pixels(bank);
        _queries = Pixels(queries);
        _bankLabels = bank.Select(i => identities[samples[i].Identity]).ToArray();
        _queryLabels = queries.Select(i => identities[samples[i].Identity]).ToArray();
        Classes = identities.Count;
    }

    /// <summary>Identities in the probe (the accuracy of guessing is 1 / this).</summary>
    public int Classes { get; }

    /// <summary>Query images.</summary>
    public int Queries => _queryLabels.Length;

    /// <summary>The probe at a resolution, rendered once per process.</summary>
    public static IdentityKnn For(int resolution) => ByResolution.GetOrAdd(resolution, r => new IdentityKnn(r));

    /// <summary>
    /// The backbone's k-NN identity accuracy (0–1), in evaluation mode and without gradients; the
    /// backbone's mode is restored after. Draws no random numbers, so a run's training is the same
    /// whether or not it is watched.
    /// </summary>
    public double Measure(ResNet backbone, Core.Specs.InputNormalisation? normalisation = null)
    {
        var wasTraining = backbone.training;
        var device = backbone.parameters().First().device;
        backbone.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var bank = Features(backbone, _bank, _bankLabels.Length, device, normalisation);
            var queries = Features(backbone, _queries, _queryLabels.Length, device, normalisation);
            return Vote(bank, tensor(_bankLabels, device: device), queries, tensor(_queryLabels, device: device), Classes);
        }
        finally
        {
            backbone.train(wasTraining);
        }
    }

    /// <summary>
    /// The weighted k-NN vote on given, L2-normalised features: the share of queries whose top class
    /// (weights exp(cosine / T) over the <see cref="K"/> nearest bank entries) is their label.
    /// </summary>
    public static double Vote(Tensor bank, Tensor bankLabels, Tensor queries, Tensor queryLabels, int classes)
    {
        using var scope = NewDisposeScope();
        var k = Math.Min(K, (int)bank.shape[0]);
        var similarity = queries.matmul(bank.t());
        var (top, index) = similarity.topk(k, dim: 1);
        var weights = top.div(Temperature).exp();
        var neighbours = bankLabels.index_select(0, index.flatten()).view(index.shape);
        var votes = zeros([queries.shape[0], classes], device: queries.device).scatter_add_(1, neighbours, weights);
        var predicted = votes.argmax(1);
        return predicted.eq(queryLabels).to_type(ScalarType.Float64).mean().item<double>();
    }

    private Tensor Features(ResNet backbone, float[] pixels, int count, Device device, Core.Specs.InputNormalisation? normalisation)
    {
        const int chunk = 100;
        var perImage = 3 * _resolution * _resolution;
        var parts = new List<Tensor>();
        for (var start = 0; start < count; start += chunk)
        {
            var n = Math.Min(chunk, count - start);
            var x = JobDevices.Stage(FaceRep.Training.Pixels.Normalised(pixels, [n, 3, _resolution, _resolution], (long)start * perImage, normalisation), device);
            parts.Add(backbone.call(x));
        }

        return nn.functional.normalize(cat(parts, 0).flatten(1), dim: 1);
    }
}
