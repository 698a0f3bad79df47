namespace FaceRep.Core.Metrics;

/// <summary>A metric of predictions against ground truth, such as <see cref="RegressionMetrics.Icc31"/>.</summary>
/// <param name="predicted">Predicted values.</param>
/// <param name="truth">Ground truth values, one per prediction.</param>
/// <returns>The metric's value.</returns>
public delegate double PairedMetric(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth);
