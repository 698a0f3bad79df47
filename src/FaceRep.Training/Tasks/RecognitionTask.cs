using FaceRep.Core.Metrics;
using FaceRep.Data;
using FaceRep.Training.Methods;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Tasks;

/// <summary>
/// Face recognition: an embedding head (linear, 128-d) on pooled features trained with an
/// ArcFace margin over the few-shot subset's identities (subsets drawn by subject: fewer people,
/// all their images), evaluated by 1:1 verification over every pair of test images (test
/// identities never appear in training): TAR at FAR 1e-3 and 1e-4, accuracy at the best
/// threshold, and ROC AUC, scoring pairs by cosine similarity.
/// </summary>
public sealed class RecognitionTask : EvaluationTask
{
    /// <summary>Embedding size.</summary>
    public const int EmbeddingDim = 128;

    private const double Scale = 16;
    private const double Margin = 0.3;

    private readonly bool _flipTest;

    /// <summary>The task as SynthFace measures it (each test image embedded once).</summary>
    public RecognitionTask()
    {
    }

    private RecognitionTask(bool flipTest) => _flipTest = flipTest;

    /// <inheritdoc />
    public override string Name => "recognition";

    /// <inheritdoc />
    public override bool FlipTest => _flipTest;

    /// <summary>On a benchmark, each face is embedded as insightface embeds it: itself and its mirror image, summed.</summary>
    public override EvaluationTask For(Data.Benchmarks.BenchmarkKind benchmark) => new RecognitionTask(flipTest: true);

    /// <summary>The identity, as a number.</summary>
    public override int LabelWidth => 1;

    /// <inheritdoc />
    public override void Label(FaceSample sample, Span<float> label) => label[0] = sample.Identity;

    /// <summary>A benchmark face's person (LFW's training faces are people no test pair names).</summary>
    public override void Label(Data.Benchmarks.BenchmarkItem item, float scale, Span<float> label)
    {
        // A test face of a template benchmark (IJB-B) is scored by its template, not its person.
        if (item.Subject < 0 && item.Split != Data.Benchmarks.BenchmarkSplits.Test)
            throw new Core.Experiments.JobFailedException(Core.Experiments.FailureKind.Deterministic, $"{item.Source} names no person");
        label[0] = item.Subject;
    }

    /// <inheritdoc />
    public override int[] FewShotSubset(TaskData train, double shots, int seed) =>
        FewShot.SubjectExclusive(train.Identities, shots, seed, Name);

    /// <summary>
    /// One embedding for every face: every pair scores alike, so the best a verifier can do is
    /// the more common answer (its accuracy is the share of that kind of pair) and no
    /// threshold separates genuine pairs from impostors.
    /// </summary>
    public override float[] ConstantPrediction(TaskData train, IReadOnlyList<int> subset) =>
        Enumerable.Repeat(1f / MathF.Sqrt(EmbeddingDim), EmbeddingDim).ToArray();

    /// <inheritdoc />
    public override TaskHead CreateHead(long[] featureShape, TaskData train, IReadOnlyList<int> subset)
    {
        var identities = subset.Select(i => train.Identities[i]).Distinct().Order().ToArray();
        var lookup = Enumerable.Repeat(-1L, identities[^1] + 1).ToArray();
        for (var c = 0; c < identities.Length; c++)
            lookup[identities[c]] = c;
        var embedding = Linear(featureShape[0], EmbeddingDim);
        var classWeights = new Parameter(init.xavier_uniform_(empty(identities.Length, EmbeddingDim, device: JobDevices.Cpu)));
        return new Head(embedding, classWeights, tensor(lookup, device: JobDevices.Cpu).DetachFromDisposeScope());
    }

    /// <summary>Cosine similarity of every pair (i &lt; j) of unit embeddings, and whether the pair shares an identity.</summary>
    public static (float[] Scores, bool[] Same) Pairs(ReadOnlySpan<float> embeddings, IReadOnlyList<int> identities, int dim)
    {
        var n = identities.Count;
        var pairs = (long)n * (n - 1) / 2;
        var scores = new float[pairs];
        var same = new bool[pairs];
        long k = 0;
        for (var i = 0; i < n; i++)
        {
            var a = embeddings.Slice(i * dim, dim);
            for (var j = i + 1; j < n; j++)
            {
                var b = embeddings.Slice(j * dim, dim);
                double dot = 0;
                for (var d = 0; d < dim; d++)
                    dot += a[d] * b[d];
                scores[k] = (float)dot;
                same[k++] = identities[i] == identities[j];
            }
        }

        return (scores, same);
    }

    private sealed class Head(Linear embedding, Parameter classWeights, Tensor lookup) : TaskHead
    {
        public override IEnumerable<Parameter> Parameters => embedding.parameters().Append(classWeights);

        public override void SetTraining(bool training) => embedding.train(training);

        public override void MoveTo(Device device)
        {
            JobDevices.Move(embedding, device);
            JobDevices.Move(ref lookup, device);
            JobDevices.Move(ref classWeights, device);
        }

        public override Tensor Forward(Tensor features) => embedding.call(features);

        public override Tensor Loss(Tensor output, Tensor labels)
        {
            var classes = lookup.index_select(0, labels.select(1, 0).to_type(ScalarType.Int64));
            return Losses.ArcFace(output, classWeights, classes, Scale, Margin);
        }

        public override Tensor Decode(Tensor output) => functional.normalize(output, dim: 1);

        public override IReadOnlyDictionary<string, double> Metrics(float[] predictions, TaskData test)
        {
            var (scores, same) = Pairs(predictions, test.Identities, EmbeddingDim);
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["tar_far_1e3"] = VerificationMetrics.TarAtFar(scores, same, 1e-3),
                ["tar_far_1e4"] = VerificationMetrics.TarAtFar(scores, same, 1e-4),
                ["verif_acc"] = VerificationMetrics.BestAccuracy(scores, same, out _),
                ["roc_auc"] = VerificationMetrics.RocAuc(scores, same),
            };
        }

        protected override void Dispose(bool disposing)
        {
            embedding.Dispose();
            classWeights.Dispose();
            lookup.Dispose();
        }
    }
}
