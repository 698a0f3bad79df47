using FaceRep.Data;
using FaceRep.Data.Benchmarks;
using FaceRep.Core.Experiments;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Tasks;

/// <summary>Where a task's points sit in its label, so geometric augmentation can move them with the image.</summary>
public enum PointLabels
{
    /// <summary>No points: any crop or mirror leaves the label unchanged.</summary>
    None,

    /// <summary>68 2D points (x, y) at the start of the label.</summary>
    TwoD,

    /// <summary>68 3D points (x, y, z) at the start of the label.</summary>
    ThreeD,
}

/// <summary>What a head reads from the backbone.</summary>
public enum HeadInput
{
    /// <summary>Globally pooled features (N, C).</summary>
    Pooled,

    /// <summary>The last stage's feature map (N, C, H, W).</summary>
    Map,
}

/// <summary>
/// One downstream task: how its samples are labelled, how its few-shot subsets are drawn, and
/// the head, loss and metrics it is adapted and measured with.
/// </summary>
public abstract class EvaluationTask
{
    /// <summary>The name specs use.</summary>
    public abstract string Name { get; }

    /// <summary>Values per label.</summary>
    public abstract int LabelWidth { get; }

    /// <summary>Points carried in the label.</summary>
    public virtual PointLabels PointLabels => PointLabels.None;

    /// <summary>The task as it is measured on <paramref name="benchmark"/> (a landmark head of its number of points); itself by default.</summary>
    public virtual EvaluationTask For(BenchmarkKind benchmark) => this;

    /// <summary>Whether predictions sum the outputs of each test image and of its mirror image (insightface's flip test), as the benchmark's community tests.</summary>
    public virtual bool FlipTest => false;

    /// <summary>What the head reads.</summary>
    public virtual HeadInput Input => HeadInput.Pooled;

    /// <summary>Writes a sample's label.</summary>
    public abstract void Label(FaceSample sample, Span<float> label);

    /// <summary>
    /// Writes a benchmark face's label, its points scaled by <paramref name="scale"/> from the stored crop to
    /// the images the head sees.
    /// </summary>
    /// <exception cref="JobFailedException">The task cannot yet be measured on benchmarks.</exception>
    public virtual void Label(BenchmarkItem item, float scale, Span<float> label) =>
        throw new JobFailedException(FailureKind.Deterministic, $"the {Name} task cannot be measured on a benchmark in this build");

    /// <summary>
    /// Maps decoded predictions of benchmark faces from the images the head sees (<paramref name="scale"/> times the
    /// stored crops) to the crops' coordinates, in place; predictions that are not coordinates stay as they are.
    /// </summary>
    public virtual void ToCrop(Span<float> predictions, float scale)
    {
    }

    /// <summary>The few-shot training subset (indices into the training split); nested across fractions for a seed.</summary>
    public virtual int[] FewShotSubset(TaskData train, double shots, int seed) => FewShot.Subset(train.Count, shots, seed);

    /// <summary>Creates the head for features of the given shape (without the batch dimension), knowing the training subset.</summary>
    public abstract TaskHead CreateHead(long[] featureShape, TaskData train, IReadOnlyList<int> subset);

    /// <summary>
    /// The best prediction that never looks at an image, made from the training subset's labels
    /// (the mean label by default: mean shape, mean intensities), in the decoded layout
    /// <see cref="TaskHead.Metrics"/> reads. Measured on the test split, it is the task's floor:
    /// a representation that does no better has learned nothing the labels alone do not give.
    /// </summary>
    public virtual float[] ConstantPrediction(TaskData train, IReadOnlyList<int> subset)
    {
        var labels = train.LabelsOf(subset);
        var mean = new double[LabelWidth];
        for (var i = 0; i < labels.Length; i++)
            mean[i % LabelWidth] += labels[i];
        return mean.Select(v => (float)(v / subset.Count)).ToArray();
    }
}

/// <summary>A task's trainable head, its loss, and how its outputs become metrics.</summary>
public abstract class TaskHead : IDisposable
{
    /// <summary>Parameters to train (the head's, and any the loss owns, such as ArcFace class weights).</summary>
    public abstract IEnumerable<Parameter> Parameters { get; }

    /// <summary>Training or evaluation mode.</summary>
    public abstract void SetTraining(bool training);

    /// <summary>Moves the head's modules and tensors (built on the CPU) to the job's device, before its optimiser is made.</summary>
    public abstract void MoveTo(Device device);

    /// <summary>The head's output for a batch of features.</summary>
    public abstract Tensor Forward(Tensor features);

    /// <summary>The training loss of outputs against labels (N, label width) in the task's layout.</summary>
    public abstract Tensor Loss(Tensor output, Tensor labels);

    /// <summary>Turns outputs into prediction values (N, prediction width) for <see cref="Metrics"/>.</summary>
    public virtual Tensor Decode(Tensor output) => output;

    /// <summary>The task's metrics from decoded predictions of every test sample.</summary>
    public abstract IReadOnlyDictionary<string, double> Metrics(float[] predictions, TaskData test);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the head's modules.</summary>
    protected abstract void Dispose(bool disposing);
}
