using FaceRep.Core.Metrics;

namespace FaceRep.Core.Tests.Metrics;

public sealed class ClassificationMetricsTests
{
    private static readonly int[] Truth = [0, 0, 0, 1, 1, 2, 2, 2];
    private static readonly int[] Predicted = [0, 0, 1, 1, 2, 2, 2, 0];

    [Fact]
    public void Accuracy_matches_a_hand_count()
    {
        // Correct at positions 0, 1, 3, 5, 6: 5 of 8.
        Assert.Equal(0.625, ClassificationMetrics.Accuracy(Predicted, Truth), 12);
    }

    [Fact]
    public void Confusion_matrix_has_true_classes_as_rows()
    {
        // Truth 0 -> predicted 0, 0, 1; truth 1 -> 1, 2; truth 2 -> 2, 2, 0.
        var m = ClassificationMetrics.ConfusionMatrix(Predicted, Truth, 3);

        Assert.Equal(new[,] { { 2, 1, 0 }, { 0, 1, 1 }, { 1, 0, 2 } }, m);
    }

    [Fact]
    public void Macro_f1_matches_a_hand_computed_value()
    {
        // Class 0: TP 2, FP 1, FN 1 -> 4/6. Class 1: TP 1, FP 1, FN 1 -> 2/4.
        // Class 2: TP 2, FP 1, FN 1 -> 4/6. Mean (2/3 + 1/2 + 2/3)/3 = 11/18.
        Assert.Equal(11.0 / 18.0, ClassificationMetrics.MacroF1(Predicted, Truth, 3), 12);
    }

    [Fact]
    public void Macro_f1_skips_classes_absent_from_both_but_counts_classes_only_predicted()
    {
        // A fourth class that never occurs changes nothing: still 11/18.
        Assert.Equal(11.0 / 18.0, ClassificationMetrics.MacroF1(Predicted, Truth, 4), 12);

        // Truth 0, 0, 1, 1; predicted 0, 0, 1, 2. Class 0: F1 1. Class 1: TP 1, FN 1 -> 2/3.
        // Class 2, only predicted: TP 0, FP 1 -> 0. Mean (1 + 2/3 + 0)/3 = 5/9.
        Assert.Equal(5.0 / 9.0, ClassificationMetrics.MacroF1([0, 0, 1, 2], [0, 0, 1, 1], 3), 12);
    }

    [Fact]
    public void Perfect_and_all_wrong_predictions()
    {
        Assert.Equal(1, ClassificationMetrics.Accuracy(Truth, Truth));
        Assert.Equal(1, ClassificationMetrics.MacroF1(Truth, Truth, 3));
        Assert.Equal(0, ClassificationMetrics.Accuracy([1, 1], [0, 0]));
        Assert.Equal(0, ClassificationMetrics.MacroF1([1, 1], [0, 0], 2));
    }

    [Fact]
    public void Many_classes_are_counted_off_the_stack_too()
    {
        // 300 classes, each predicted correctly once: F1 1 everywhere.
        var labels = Enumerable.Range(0, 300).ToArray();

        Assert.Equal(1, ClassificationMetrics.MacroF1(labels, labels, 300));
    }

    [Fact]
    public void Bad_input_is_rejected_with_the_reason()
    {
        Assert.Contains("counts must match", Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy([0, 1], [0])).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => ClassificationMetrics.MacroF1([], [], 3)).Message, StringComparison.Ordinal);
        Assert.Equal("classes", Assert.Throws<ArgumentException>(() => ClassificationMetrics.ConfusionMatrix([0], [0], 0)).ParamName);

        var ex = Assert.Throws<ArgumentException>(() => ClassificationMetrics.MacroF1([0, 3], [0, 1], 3));
        Assert.Equal("predicted", ex.ParamName);
        Assert.Contains("predicted[1] is 3", ex.Message, StringComparison.Ordinal);
        Assert.Equal("truth", Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy([0, 0], [0, -1])).ParamName);
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.ConfusionMatrix([0], [-1], 2));
    }
}
