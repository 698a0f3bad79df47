using System.Diagnostics;
using FaceRep.Core.Experiments;

namespace FaceRep.Training.Monitoring;

/// <summary>
/// Turns a training loop's steps into at most about <see cref="MaxPoints"/> curve points, each the
/// mean over its steps, so a 400,000-step run keeps a curve of the same size as a 60-step one.
/// Also says when the loop should measure its online k-NN accuracy: before the first step, at
/// <see cref="KnnMeasurements"/> evenly spaced points and after the last step. Time spent measuring
/// does not count against images per second.
/// </summary>
public sealed class CurveRecorder
{
    /// <summary>Most points a curve keeps (a few more when the steps do not divide evenly).</summary>
    public const int MaxPoints = 200;

    /// <summary>k-NN measurements after the start, the last one after the final step.</summary>
    public const int KnnMeasurements = 8;

    private readonly string _phase;
    private readonly long _total;
    private readonly int _imagesPerStep;
    private readonly long _every;
    private readonly long _knnEvery;
    private readonly List<CurvePoint> _points = [];
    private readonly Stopwatch _clock = new();
    private double _lossSum;
    private double _runningSeconds;
    private long _stepsSince;
    private TimeSpan _since;
    private bool _rateUnknown;

    /// <param name="phase">The points' phase.</param>
    /// <param name="totalSteps">Steps the run will take.</param>
    /// <param name="imagesPerStep">Training images one step consumes (batch × views is not counted: images, not views).</param>
    public CurveRecorder(string phase, long totalSteps, int imagesPerStep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        _phase = phase;
        _total = totalSteps;
        _imagesPerStep = imagesPerStep;
        _every = Math.Max(1, (totalSteps + MaxPoints - 1) / MaxPoints);
        var points = (totalSteps + _every - 1) / _every;
        _knnEvery = _every * Math.Max(1, (points + KnnMeasurements - 1) / KnnMeasurements);
    }

    /// <summary>The points so far.</summary>
    public IReadOnlyList<CurvePoint> Points => _points;

    /// <summary>The point before any step (with the untrained model's k-NN accuracy when given); starts the clock.</summary>
    public CurvePoint Start(double? knn)
    {
        var point = new CurvePoint(_phase, 0, _total, null, null, null, knn, 0);
        _points.Add(point);
        _clock.Restart();
        _since = TimeSpan.Zero;
        return point;
    }

    /// <summary>Whether the point after step <paramref name="step"/> (0-based) should carry a k-NN measurement.</summary>
    public bool MeasuresKnnAfter(long step) => IsPointAfter(step) && ((step + 1) % _knnEvery == 0 || step + 1 == _total);

    /// <summary>
    /// Records step <paramref name="step"/> (0-based); returns the point it closes, or null. When the
    /// point measures k-NN (<see cref="MeasuresKnnAfter"/>), <paramref name="knn"/> is called for it.
    /// </summary>
    public CurvePoint? Step(long step, double loss, double learningRate, Func<double>? knn = null)
    {
        if (!_clock.IsRunning)
        {
            // Started late: the first step ran before the clock did, so its speed is unknown.
            Start(null);
            _rateUnknown = true;
        }

        _lossSum += loss;
        _stepsSince++;
        if (!IsPointAfter(step))
            return null;

        var elapsed = _clock.Elapsed - _since;
        _runningSeconds += elapsed.TotalSeconds;
        var rate = elapsed.TotalSeconds > 0 && !_rateUnknown ? _stepsSince * _imagesPerStep / elapsed.TotalSeconds : (double?)null;
        _rateUnknown = false;
        double? accuracy = null;
        if (knn is not null && MeasuresKnnAfter(step))
            accuracy = knn();
        var point = new CurvePoint(_phase, step + 1, _total, _lossSum / _stepsSince, learningRate, rate, accuracy, _runningSeconds);
        _points.Add(point);
        _lossSum = 0;
        _stepsSince = 0;
        _since = _clock.Elapsed;
        return point;
    }

    private bool IsPointAfter(long step) => (step + 1) % _every == 0 || step + 1 == _total;
}
