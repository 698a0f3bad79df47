using System.Buffers;

namespace FaceRep.Core.Metrics;

/// <summary>
/// Metrics of continuous predictions (action-unit intensities, valence, arousal) against ground
/// truth. Moments are accumulated in double precision, with means subtracted before products
/// are summed.
/// </summary>
/// <remarks>
/// <para>
/// Zero variance: a correlation or agreement coefficient whose denominator is zero (the
/// predictions, the truth or both are constant) is not left as NaN, which would poison a mean
/// over action units and carry no diagnosis. By the convention used here such a coefficient is
/// 1 when the predictions reproduce the truth exactly (both the same constant) and 0 otherwise:
/// a constant prediction of a varying truth, or any prediction of a constant truth, shows no
/// association. This is also the limit the formulas reach where they remain defined: CCC and
/// ICC(3,1) are exactly 0 when only one side is constant. Constancy is detected by comparing
/// values, not by a variance falling below a tolerance, so 0.1 repeated has variance exactly 0.
/// </para>
/// <para>
/// Every function throws <see cref="ArgumentException"/> for inputs of different lengths, empty
/// inputs, NaN or infinite values, and (for the coefficients) fewer than two samples.
/// </para>
/// </remarks>
public static class RegressionMetrics
{
    /// <summary>Mean absolute error, mean of |predicted − truth|.</summary>
    /// <param name="predicted">Predicted values.</param>
    /// <param name="truth">Ground truth, one per prediction.</param>
    public static double Mae(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth)
    {
        Check(predicted, truth, minimum: 1);
        double sum = 0;
        for (var i = 0; i < truth.Length; i++)
            sum += Math.Abs((double)predicted[i] - truth[i]);
        return sum / truth.Length;
    }

    /// <summary>Root mean squared error, √(mean of (predicted − truth)²).</summary>
    /// <param name="predicted">Predicted values.</param>
    /// <param name="truth">Ground truth, one per prediction.</param>
    public static double Rmse(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth)
    {
        Check(predicted, truth, minimum: 1);
        double sum = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            var d = (double)predicted[i] - truth[i];
            sum += d * d;
        }

        return Math.Sqrt(sum / truth.Length);
    }

    /// <summary>
    /// Pearson's correlation coefficient (PCC), cov(p, t) / (σp·σt). When either side is
    /// constant: 1 if both are the same constant, otherwise 0 (see the class remarks).
    /// </summary>
    /// <param name="predicted">Predicted values.</param>
    /// <param name="truth">Ground truth, one per prediction.</param>
    public static double Pearson(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth)
    {
        var m = Moments.Of(predicted, truth);
        if (m.PredictedConstant || m.TruthConstant)
            return m.Identical ? 1 : 0;
        return Math.Clamp(m.Covariance / Math.Sqrt(m.PredictedVariance * m.TruthVariance), -1, 1);
    }

    /// <summary>
    /// Lin's concordance correlation coefficient, 2·cov(p, t) / (σp² + σt² + (μp − μt)²), with
    /// population (1/n) moments. Unlike PCC it penalises offset and scale. Its denominator is
    /// zero only when both sides are the same constant, which scores 1.
    /// </summary>
    /// <param name="predicted">Predicted values.</param>
    /// <param name="truth">Ground truth, one per prediction.</param>
    public static double Ccc(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth)
    {
        var m = Moments.Of(predicted, truth);
        var offset = m.PredictedMean - m.TruthMean;
        var denominator = m.PredictedVariance + m.TruthVariance + (offset * offset);
        if (denominator == 0)
            return 1;
        return 2 * m.Covariance / denominator;
    }

    /// <summary>
    /// ICC(3,1) of Shrout and Fleiss (1979): two-way mixed model, consistency, single rater,
    /// with truth and prediction as the k = 2 raters of n samples:
    /// (BMS − EMS) / (BMS + (k − 1)·EMS), where BMS is the between-samples mean square and EMS
    /// the residual mean square of the two-way ANOVA. It ignores a constant offset between the
    /// raters. When both sides are constant (BMS = EMS = 0): 1 if they are the same constant,
    /// otherwise 0 (see the class remarks).
    /// </summary>
    /// <param name="predicted">Predicted values.</param>
    /// <param name="truth">Ground truth, one per prediction.</param>
    public static double Icc31(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth)
    {
        var m = Moments.Of(predicted, truth);
        if (m.PredictedConstant && m.TruthConstant)
            return m.Identical ? 1 : 0;

        // With k = 2 and a = t − mean(t), b = p − mean(p): a sample's mean minus the grand mean is
        // (a + b)/2, and its two residuals are ±(a − b)/2. Hence SS_between = Σ(a + b)²/2 and
        // SS_error = Σ(a − b)²/2, on n − 1 and (n − 1)(k − 1) = n − 1 degrees of freedom.
        double between = 0, error = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            var a = truth[i] - m.TruthMean;
            var b = predicted[i] - m.PredictedMean;
            between += (a + b) * (a + b);
            error += (a - b) * (a - b);
        }

        const int Raters = 2;
        var degrees = truth.Length - 1;
        var bms = between / 2 / degrees;
        var ems = error / 2 / degrees;
        return (bms - ems) / (bms + ((Raters - 1) * ems));
    }

    /// <summary>
    /// A metric of each column of multi-output data (for example one per action unit), stored
    /// row-major: sample s, column c at index s·<paramref name="columns"/> + c.
    /// </summary>
    /// <param name="predicted">Predictions, row-major.</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <param name="columns">Outputs per sample.</param>
    /// <param name="metric">The metric to apply to each column, such as <see cref="Icc31"/>.</param>
    /// <returns>The metric of each column, in column order.</returns>
    /// <exception cref="ArgumentException">The layouts differ, are empty, are not whole rows or hold a value that is not finite, or the metric rejects a column.</exception>
    public static double[] PerColumn(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int columns, PairedMetric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (columns <= 0)
            throw new ArgumentException($"columns is {columns}; it must be at least 1", nameof(columns));
        MetricInput.SameLengthNotEmpty(predicted.Length, truth.Length);
        if (truth.Length % columns != 0)
            throw new ArgumentException($"truth has {truth.Length} values, not a whole number of rows of {columns} columns", nameof(truth));
        MetricInput.Finite(predicted);
        MetricInput.Finite(truth);

        var rows = truth.Length / columns;
        var buffer = ArrayPool<float>.Shared.Rent(2 * rows);
        try
        {
            var p = buffer.AsSpan(0, rows);
            var t = buffer.AsSpan(rows, rows);
            var result = new double[columns];
            for (var c = 0; c < columns; c++)
            {
                for (var r = 0; r < rows; r++)
                {
                    p[r] = predicted[(r * columns) + c];
                    t[r] = truth[(r * columns) + c];
                }

                result[c] = metric(p, t);
            }

            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Mean over columns of <see cref="PerColumn"/> (for example mean ICC over action units),
    /// also giving each column's value.
    /// </summary>
    /// <param name="predicted">Predictions, row-major.</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <param name="columns">Outputs per sample.</param>
    /// <param name="metric">The metric to apply to each column.</param>
    /// <param name="perColumn">The metric of each column, in column order.</param>
    /// <returns>The unweighted mean of <paramref name="perColumn"/>.</returns>
    public static double MeanOverColumns(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int columns, PairedMetric metric, out double[] perColumn)
    {
        perColumn = PerColumn(predicted, truth, columns, metric);
        double sum = 0;
        foreach (var v in perColumn)
            sum += v;
        return sum / perColumn.Length;
    }

    private static void Check(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int minimum)
    {
        MetricInput.SameLengthNotEmpty(predicted.Length, truth.Length);
        if (truth.Length < minimum)
            throw new ArgumentException($"a coefficient needs at least {minimum} samples; got {truth.Length}", nameof(truth));
        MetricInput.Finite(predicted);
        MetricInput.Finite(truth);
    }

    // Population moments; a constant side gets its value as its exact mean, so its deviations are exactly zero.
    private readonly record struct Moments(
        double PredictedMean,
        double TruthMean,
        double PredictedVariance,
        double TruthVariance,
        double Covariance,
        bool PredictedConstant,
        bool TruthConstant)
    {
        public bool Identical => PredictedConstant && TruthConstant && PredictedMean == TruthMean;

        public static Moments Of(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth)
        {
            Check(predicted, truth, minimum: 2);
            var n = truth.Length;
            double sumP = 0, sumT = 0;
            bool constantP = true, constantT = true;
            for (var i = 0; i < n; i++)
            {
                sumP += predicted[i];
                sumT += truth[i];
                constantP &= predicted[i] == predicted[0];
                constantT &= truth[i] == truth[0];
            }

            var meanP = constantP ? predicted[0] : sumP / n;
            var meanT = constantT ? truth[0] : sumT / n;
            double varP = 0, varT = 0, cov = 0;
            for (var i = 0; i < n; i++)
            {
                var dp = predicted[i] - meanP;
                var dt = truth[i] - meanT;
                varP += dp * dp;
                varT += dt * dt;
                cov += dp * dt;
            }

            return new Moments(meanP, meanT, varP / n, varT / n, cov / n, constantP, constantT);
        }
    }
}
