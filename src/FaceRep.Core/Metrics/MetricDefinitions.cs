using System.Collections.ObjectModel;
using System.Globalization;

namespace FaceRep.Core.Metrics;

/// <summary>Whether a larger or a smaller value of a metric is better.</summary>
public enum MetricDirection
{
    /// <summary>Errors: NME, MAE, RMSE.</summary>
    LowerIsBetter,

    /// <summary>Scores: accuracy, ICC, CCC, AUC.</summary>
    HigherIsBetter,
}

/// <summary>A metric's name, meaning and how to show it.</summary>
/// <param name="Name">Column name in the result store.</param>
/// <param name="Description">What it measures.</param>
/// <param name="Direction">Which way is better.</param>
/// <param name="DisplayScale">Factor applied for display (100 shows a fraction as a percentage).</param>
/// <param name="DisplayUnit">Unit shown after the scaled value.</param>
public sealed record MetricDefinition(string Name, string Description, MetricDirection Direction, double DisplayScale, string DisplayUnit);

/// <summary>
/// The metrics each task reports; the first is the task's headline metric and the last is
/// <see cref="TrainLoss"/>. Fractions are stored as fractions and shown as percentages.
/// </summary>
public static class MetricDefinitions
{
    private const string PerActionUnitIccPrefix = "icc_au";
    private const string PerActionUnitMaePrefix = "mae_au";

    /// <summary>Prefix of a metric measured on the validation split (<c>val_nme_io</c>); the unprefixed name is the test split's.</summary>
    public const string ValidationPrefix = "val_";

    /// <summary>
    /// Prefix of a metric measured on the best constant predictor made from the training subset's
    /// labels (majority class, mean shape, mean intensity): the task's floor beside each result.
    /// </summary>
    public const string FloorPrefix = "floor_";

    /// <summary>
    /// What separates a metric from the benchmark test subset it was measured on (<c>nme_io@challenging</c>);
    /// a metric without it is over the whole test split (a benchmark's <c>full</c>).
    /// </summary>
    public const char SubsetSeparator = '@';

    /// <summary>The metric of <paramref name="metric"/> measured on test subset <paramref name="subset"/>.</summary>
    public static string OnSubset(string metric, string subset) => $"{metric}{SubsetSeparator}{subset}";

    /// <summary>The metric and the test subset of a stored name (<c>full</c> when it names none).</summary>
    public static (string Metric, string Subset) SplitSubset(string name)
    {
        var at = name.IndexOf(SubsetSeparator, StringComparison.Ordinal);
        return at < 0 ? (name, "full") : (name[..at], name[(at + 1)..]);
    }

    // Recognition (verification pairs).

    /// <summary>True-accept rate at a false-accept rate of 1e-3 (headline of recognition).</summary>
    public static readonly MetricDefinition TarAtFar1e3 = new(
        "tar_far_1e3", "verification TAR at FAR 1e-3 (TAR at zero false accepts when there are under 1000 different pairs)", MetricDirection.HigherIsBetter, 100, "%");

    /// <summary>True-accept rate at a false-accept rate of 1e-4.</summary>
    public static readonly MetricDefinition TarAtFar1e4 = new(
        "tar_far_1e4", "verification TAR at FAR 1e-4 (TAR at zero false accepts when there are under 10000 different pairs)", MetricDirection.HigherIsBetter, 100, "%");

    /// <summary>Template verification TAR at FAR 1e-5 (IJB-B).</summary>
    public static readonly MetricDefinition TarAtFar1e5 = new(
        "tar_far_1e5", "verification TAR at FAR 1e-5 (IJB-B: template pairs, read off the ROC curve as insightface does)", MetricDirection.HigherIsBetter, 100, "%");

    /// <summary>Template verification TAR at FAR 1e-2 (IJB-B).</summary>
    public static readonly MetricDefinition TarAtFar1e2 = new(
        "tar_far_1e2", "verification TAR at FAR 1e-2 (IJB-B: template pairs, read off the ROC curve as insightface does)", MetricDirection.HigherIsBetter, 100, "%");

    /// <summary>Template verification TAR at FAR 1e-1 (IJB-B).</summary>
    public static readonly MetricDefinition TarAtFar1e1 = new(
        "tar_far_1e1", "verification TAR at FAR 1e-1 (IJB-B: template pairs, read off the ROC curve as insightface does)", MetricDirection.HigherIsBetter, 100, "%");

    /// <summary>Verification accuracy at the best threshold.</summary>
    public static readonly MetricDefinition VerificationAccuracy = new(
        "verif_acc", "verification accuracy at the best threshold on the evaluated pairs", MetricDirection.HigherIsBetter, 100, "%");

    /// <summary>Area under the verification ROC curve.</summary>
    public static readonly MetricDefinition TenFoldAccuracy = new(
        "acc_10fold", "verification accuracy in LFW's ten folds (insightface: threshold chosen on nine, accuracy on the tenth), mean over folds", MetricDirection.HigherIsBetter, 100, "%");

    /// <summary>The standard deviation of <see cref="TenFoldAccuracy"/> over the folds.</summary>
    public static readonly MetricDefinition TenFoldAccuracyStd = new(
        "acc_10fold_std", "standard deviation over LFW's ten folds of their verification accuracy (for reading, not comparison)", MetricDirection.LowerIsBetter, 100, "%");

    /// <summary>Area under the ROC curve of verification scores.</summary>
    public static readonly MetricDefinition RocAuc = new(
        "roc_auc", "area under the verification ROC curve (ties count one half)", MetricDirection.HigherIsBetter, 100, "%");

    // 2D landmarks.

    /// <summary>Inter-ocular normalised mean error of 2D landmarks (headline of landmarks).</summary>
    public static readonly MetricDefinition NmeInterOcular = new(
        "nme_io", "2D landmark NME normalised by inter-ocular distance", MetricDirection.LowerIsBetter, 100, "%");

    /// <summary>2D landmark NME normalised by the ground-truth box diagonal.</summary>
    public static readonly MetricDefinition NmeDiagonal = new(
        "nme_diag", "2D landmark NME normalised by the ground-truth bounding-box diagonal (AFLW convention)", MetricDirection.LowerIsBetter, 100, "%");

    /// <summary>2D landmark NME normalised by the ground-truth box size.</summary>
    public static readonly MetricDefinition NmeBox = new(
        "nme_box", "2D landmark NME normalised by sqrt(w*h) of the ground-truth bounding box (AFLW2000-3D convention)", MetricDirection.LowerIsBetter, 100, "%");

    /// <summary>Fraction of faces with inter-ocular NME above 0.1.</summary>
    public static readonly MetricDefinition FailureRate10 = new(
        "fr_10", "failure rate: fraction of faces with inter-ocular NME above 0.1", MetricDirection.LowerIsBetter, 100, "%");

    /// <summary>Area under the cumulative inter-ocular error curve up to 0.1.</summary>
    public static readonly MetricDefinition Auc10 = new(
        "auc_10", "area under the cumulative inter-ocular NME curve up to 0.1, divided by 0.1 (computed exactly)", MetricDirection.HigherIsBetter, 100, "%");

    // Action units.

    /// <summary>Mean over action units of ICC(3,1) intensity agreement (headline of au).</summary>
    public static readonly MetricDefinition Icc = new(
        "icc", "AU intensity ICC(3,1), mean over action units", MetricDirection.HigherIsBetter, 1, "");

    /// <summary>Mean over action units of Pearson's correlation.</summary>
    public static readonly MetricDefinition Pcc = new(
        "pcc", "AU intensity Pearson correlation, mean over action units", MetricDirection.HigherIsBetter, 1, "");

    /// <summary>Mean over action units of the mean absolute intensity error.</summary>
    public static readonly MetricDefinition Mae = new(
        "mae", "AU intensity mean absolute error, mean over action units", MetricDirection.LowerIsBetter, 1, "");

    // Emotion.

    /// <summary>Accuracy of emotion categories (headline of emotion).</summary>
    public static readonly MetricDefinition Accuracy = new(
        "accuracy", "emotion category accuracy", MetricDirection.HigherIsBetter, 100, "%");

    /// <summary>Macro-averaged F1 of emotion categories.</summary>
    public static readonly MetricDefinition MacroF1 = new(
        "macro_f1", "emotion category F1, mean over the classes present in truth or prediction", MetricDirection.HigherIsBetter, 100, "%");

    /// <summary>Concordance correlation of valence.</summary>
    public static readonly MetricDefinition ValenceCcc = new(
        "valence_ccc", "valence concordance correlation coefficient (Lin)", MetricDirection.HigherIsBetter, 1, "");

    /// <summary>Concordance correlation of arousal.</summary>
    public static readonly MetricDefinition ArousalCcc = new(
        "arousal_ccc", "arousal concordance correlation coefficient (Lin)", MetricDirection.HigherIsBetter, 1, "");

    /// <summary>Root mean squared error of valence.</summary>
    public static readonly MetricDefinition ValenceRmse = new(
        "valence_rmse", "valence root mean squared error", MetricDirection.LowerIsBetter, 1, "");

    /// <summary>Root mean squared error of arousal.</summary>
    public static readonly MetricDefinition ArousalRmse = new(
        "arousal_rmse", "arousal root mean squared error", MetricDirection.LowerIsBetter, 1, "");

    // 3D landmarks.

    /// <summary>3D landmark NME normalised by the ground-truth 2D box size (headline of landmarks3d).</summary>
    public static readonly MetricDefinition Nme3DBox = new(
        "nme3d_box", "3D landmark NME (x, y, z) normalised by sqrt(w*h) of the ground-truth 2D bounding box", MetricDirection.LowerIsBetter, 100, "%");

    /// <summary>NME of the 3D landmarks' x and y, normalised by the ground-truth 2D box size.</summary>
    public static readonly MetricDefinition Nme2DBox = new(
        "nme2d_box", "3D landmark NME over x, y only, normalised by sqrt(w*h) of the ground-truth 2D bounding box (AFLW2000-3D convention)", MetricDirection.LowerIsBetter, 100, "%");

    // Every task.

    /// <summary>Final training loss of the job (for diagnosis, not comparison).</summary>
    public static readonly MetricDefinition TrainLoss = new(
        "train_loss", "training loss at the last step", MetricDirection.LowerIsBetter, 1, "");

    /// <summary>
    /// The action units whose intensities the au task predicts, in output order. Core does not
    /// reference FaceRep.Data, so this repeats SynthFaceLabels.ActionUnits and must stay in step with it.
    /// </summary>
    public static IReadOnlyList<int> ActionUnits { get; } = Array.AsReadOnly([1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26]);

    /// <summary>
    /// The twelve action units DISFA annotates with intensities, in output order (ME-GraphAU and JAA-Net score eight of them by
    /// occurrence; the intensity literature scores all twelve by ICC and MAE, as here). Core does not
    /// reference FaceRep.Data, whose DISFA benchmark reads this list.
    /// </summary>
    public static IReadOnlyList<int> DisfaActionUnits { get; } = Array.AsReadOnly([1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26]);

    private static readonly ReadOnlyCollection<MetricDefinition> Recognition = Array.AsReadOnly([TarAtFar1e3, TarAtFar1e4, VerificationAccuracy, RocAuc, TrainLoss]);
    private static readonly ReadOnlyCollection<MetricDefinition> Landmarks = Array.AsReadOnly([NmeInterOcular, NmeDiagonal, NmeBox, FailureRate10, Auc10, TrainLoss]);
    private static readonly ReadOnlyCollection<MetricDefinition> ActionUnitMetrics = Array.AsReadOnly([Icc, Pcc, Mae, .. ActionUnits.Select(IccForActionUnit), TrainLoss]);
    private static readonly ReadOnlyCollection<MetricDefinition> ActionUnitsOnDisfa = Array.AsReadOnly(
        [Icc, Mae, Pcc, .. DisfaActionUnits.Select(IccForActionUnit), .. DisfaActionUnits.Select(MaeForActionUnit), TrainLoss]);
    private static readonly ReadOnlyCollection<MetricDefinition> LandmarksOnAflw19 = Array.AsReadOnly([NmeBox, NmeDiagonal, TrainLoss]);
    private static readonly ReadOnlyCollection<MetricDefinition> RecognitionOnIjbb = Array.AsReadOnly([TarAtFar1e4, TarAtFar1e5, TarAtFar1e3, TarAtFar1e2, TarAtFar1e1, TrainLoss]);
    private static readonly ReadOnlyCollection<MetricDefinition> RecognitionOnLfw = Array.AsReadOnly([TenFoldAccuracy, TenFoldAccuracyStd, RocAuc, TrainLoss]);
    private static readonly ReadOnlyCollection<MetricDefinition> Emotion = Array.AsReadOnly([Accuracy, MacroF1, ValenceCcc, ArousalCcc, ValenceRmse, ArousalRmse, TrainLoss]);
    private static readonly ReadOnlyCollection<MetricDefinition> Landmarks3D = Array.AsReadOnly([Nme3DBox, Nme2DBox, TrainLoss]);
    private static readonly ReadOnlyCollection<MetricDefinition> Landmarks3DOnBenchmark = Array.AsReadOnly([Nme2DBox, TrainLoss]);
    private static readonly ReadOnlyCollection<MetricDefinition> Other = Array.AsReadOnly([TrainLoss]);

    private static readonly Dictionary<string, MetricDefinition> ByName =
        new[] { Recognition, Landmarks, ActionUnitMetrics, Emotion, Landmarks3D, RecognitionOnLfw, RecognitionOnIjbb, LandmarksOnAflw19 }
            .SelectMany(list => list)
            .DistinctBy(m => m.Name)
            .ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>Every metric some task reports, each once.</summary>
    public static IReadOnlyCollection<MetricDefinition> All => ByName.Values;

    /// <summary>
    /// The metrics of a task (recognition, landmarks, au, emotion or landmarks3d), headline
    /// first and <see cref="TrainLoss"/> last; for an unknown task, only <see cref="TrainLoss"/>.
    /// </summary>
    /// <param name="task">Task name.</param>
    public static IReadOnlyList<MetricDefinition> ForTask(string task) => TaskScopes.TaskOf(task) switch
    {
        // A benchmark of 3D alignment is scored on the landmarks' x and y (AFLW2000-3D, as 3DDFA scores it).
        "landmarks3d" when TaskScopes.BenchmarkOf(task) is not null => Landmarks3DOnBenchmark,
        // DISFA scores its twelve action units, each by ICC(3,1) and MAE.
        "au" when TaskScopes.BenchmarkOf(task) is not null => ActionUnitsOnDisfa,
        // AFLW-19: NME over the given box's size (HRNet) and diagonal (the study paper).
        "landmarks" when TaskScopes.KindOf(task) == "aflw19" => LandmarksOnAflw19,
        // LFW's ten folds.
        "recognition" when TaskScopes.KindOf(task) == "lfw" => RecognitionOnLfw,
        // IJB-B's templates: TAR at FAR 1e-4 leads, as the study paper reports it.
        "recognition" when TaskScopes.KindOf(task) == "ijbb" => RecognitionOnIjbb,
        "recognition" => Recognition,
        "landmarks" => Landmarks,
        "au" => ActionUnitMetrics,
        "emotion" => Emotion,
        "landmarks3d" => Landmarks3D,
        _ => Other,
    };

    /// <summary>
    /// Looks a metric up by name: any metric of any task, and <c>icc_auNN</c> for any two-digit
    /// action unit number NN from 01 to 99, listed in <see cref="ActionUnits"/> or not.
    /// </summary>
    /// <param name="name">Metric name, as stored.</param>
    /// <returns>The definition, or null if no metric has that name.</returns>
    public static MetricDefinition? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (ByName.TryGetValue(name, out var known))
            return known;
        if (name.IndexOf(SubsetSeparator, StringComparison.Ordinal) is > 0 and var at && at < name.Length - 1 && Find(name[..at]) is { } whole)
            return whole with { Name = name, Description = $"{whole.Description}, on the test subset '{name[(at + 1)..]}'" };
        if (name.StartsWith(ValidationPrefix, StringComparison.Ordinal) && Find(name[ValidationPrefix.Length..]) is { } measured)
            return measured with { Name = name, Description = $"{measured.Description}, on the validation split" };
        if (name.StartsWith(FloorPrefix, StringComparison.Ordinal) && Find(name[FloorPrefix.Length..]) is { } floor)
            return floor with { Name = name, Description = $"{floor.Description} of the constant predictor (the task's floor)" };
        foreach (var (prefix, make) in new (string, Func<int, MetricDefinition>)[] { (PerActionUnitIccPrefix, IccForActionUnit), (PerActionUnitMaePrefix, MaeForActionUnit) })
        {
            if (name.Length == prefix.Length + 2 && name.StartsWith(prefix, StringComparison.Ordinal)
                && char.IsAsciiDigit(name[^2]) && char.IsAsciiDigit(name[^1]))
            {
                var actionUnit = int.Parse(name.AsSpan(^2), NumberStyles.None, CultureInfo.InvariantCulture);
                return actionUnit > 0 ? make(actionUnit) : null;
            }
        }

        return null;
    }

    /// <summary>The ICC(3,1) of one action unit's intensity, named <c>icc_auNN</c> (AU 1 is <c>icc_au01</c>).</summary>
    /// <param name="actionUnit">FACS action unit number, 1 to 99.</param>
    public static MetricDefinition IccForActionUnit(int actionUnit)
    {
        if (actionUnit is < 1 or > 99)
            throw new ArgumentOutOfRangeException(nameof(actionUnit), actionUnit, "action unit numbers run from 1 to 99");
        return new MetricDefinition(
            string.Create(CultureInfo.InvariantCulture, $"{PerActionUnitIccPrefix}{actionUnit:00}"),
            string.Create(CultureInfo.InvariantCulture, $"AU{actionUnit} intensity ICC(3,1)"),
            MetricDirection.HigherIsBetter,
            1,
            "");
    }

    /// <summary>The mean absolute intensity error of one action unit, named <c>mae_auNN</c> (AU 1 is <c>mae_au01</c>).</summary>
    /// <param name="actionUnit">FACS action unit number, 1 to 99.</param>
    public static MetricDefinition MaeForActionUnit(int actionUnit)
    {
        if (actionUnit is < 1 or > 99)
            throw new ArgumentOutOfRangeException(nameof(actionUnit), actionUnit, "action unit numbers run from 1 to 99");
        return new MetricDefinition(
            string.Create(CultureInfo.InvariantCulture, $"{PerActionUnitMaePrefix}{actionUnit:00}"),
            string.Create(CultureInfo.InvariantCulture, $"AU{actionUnit} intensity mean absolute error"),
            MetricDirection.LowerIsBetter,
            1,
            "");
    }
}
