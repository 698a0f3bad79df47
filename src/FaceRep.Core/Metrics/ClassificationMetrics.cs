namespace FaceRep.Core.Metrics;

/// <summary>
/// Metrics of single-label classification (for example emotion categories). Labels are class
/// indices 0 … classes − 1; each function throws <see cref="ArgumentException"/> for inputs of
/// different lengths, empty inputs and labels out of range (a negative "missing" marker
/// included, so it is never silently scored).
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>Fraction of samples whose predicted label equals the true label.</summary>
    /// <param name="predicted">Predicted class indices.</param>
    /// <param name="truth">True class indices, one per prediction.</param>
    public static double Accuracy(ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth)
    {
        Check(predicted, truth, int.MaxValue);
        var correct = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            if (predicted[i] == truth[i])
                correct++;
        }

        return (double)correct / truth.Length;
    }

    /// <summary>Counts of each (true, predicted) pair: <c>matrix[truth, predicted]</c>.</summary>
    /// <param name="predicted">Predicted class indices.</param>
    /// <param name="truth">True class indices, one per prediction.</param>
    /// <param name="classes">Number of classes.</param>
    /// <returns>A <paramref name="classes"/> × <paramref name="classes"/> matrix whose rows are true classes and columns predicted ones.</returns>
    public static int[,] ConfusionMatrix(ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth, int classes)
    {
        Check(predicted, truth, classes);
        var matrix = new int[classes, classes];
        for (var i = 0; i < truth.Length; i++)
            matrix[truth[i], predicted[i]]++;
        return matrix;
    }

    /// <summary>
    /// Macro-averaged F1: the unweighted mean over classes of F1 = 2·TP / (2·TP + FP + FN).
    /// The mean runs over the classes present in the truth or the predictions (as
    /// scikit-learn's default does); a class absent from both is skipped, while a class that is
    /// only predicted counts with F1 = 0.
    /// </summary>
    /// <param name="predicted">Predicted class indices.</param>
    /// <param name="truth">True class indices, one per prediction.</param>
    /// <param name="classes">Number of classes.</param>
    public static double MacroF1(ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth, int classes)
    {
        Check(predicted, truth, classes);
        Span<int> counts = classes <= 256 ? stackalloc int[3 * classes] : new int[3 * classes];
        var truePositives = counts[..classes];
        var predictedCount = counts.Slice(classes, classes);
        var truthCount = counts.Slice(2 * classes, classes);
        for (var i = 0; i < truth.Length; i++)
        {
            predictedCount[predicted[i]]++;
            truthCount[truth[i]]++;
            if (predicted[i] == truth[i])
                truePositives[truth[i]]++;
        }

        double sum = 0;
        var present = 0;
        for (var c = 0; c < classes; c++)
        {
            // 2·TP + FP + FN = predicted count + true count.
            var denominator = predictedCount[c] + truthCount[c];
            if (denominator == 0)
                continue;
            sum += 2.0 * truePositives[c] / denominator;
            present++;
        }

        return sum / present;
    }

    private static void Check(ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth, int classes)
    {
        if (classes <= 0)
            throw new ArgumentException($"classes is {classes}; there must be at least one class", nameof(classes));
        MetricInput.SameLengthNotEmpty(predicted.Length, truth.Length);
        CheckLabels(predicted, classes, nameof(predicted));
        CheckLabels(truth, classes, nameof(truth));
    }

    private static void CheckLabels(ReadOnlySpan<int> labels, int classes, string name)
    {
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes)
            {
                var range = classes == int.MaxValue ? "a class index of 0 or more" : $"a class index from 0 to {classes - 1}";
                throw new ArgumentException($"{name}[{i}] is {labels[i]}; a label must be {range}", name);
            }
        }
    }
}
