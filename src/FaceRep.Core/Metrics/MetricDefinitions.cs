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

/// <summary>The metrics each task reports; the first is the task's headline metric.</summary>
public static class MetricDefinitions
{
    /// <summary>Inter-ocular normalised mean error of 2D landmarks.</summary>
    public static readonly MetricDefinition NmeInterOcular = new(
        "nme_io", "2D landmark NME normalised by inter-ocular distance", MetricDirection.LowerIsBetter, 100, "%");

    /// <summary>Final training loss of the job (for diagnosis, not comparison).</summary>
    public static readonly MetricDefinition TrainLoss = new(
        "train_loss", "training loss at the last step", MetricDirection.LowerIsBetter, 1, "");

    /// <summary>The metrics of a task, headline first.</summary>
    public static IReadOnlyList<MetricDefinition> ForTask(string task) => task switch
    {
        "landmarks" => [NmeInterOcular, TrainLoss],
        _ => [TrainLoss],
    };

    /// <summary>Looks a metric up by name.</summary>
    public static MetricDefinition? Find(string name) =>
        new[] { NmeInterOcular, TrainLoss }.FirstOrDefault(m => m.Name == name);
}
