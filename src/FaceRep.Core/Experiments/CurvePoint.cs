namespace FaceRep.Core.Experiments;

/// <summary>
/// One point of a job's training curve: the mean loss over the steps since the previous point, the
/// learning rate at its last step, the images per second those steps ran at and, where measured,
/// the online k-NN identity accuracy of the backbone after it.
/// </summary>
/// <param name="Phase"><see cref="CurvePhases.Pretrain"/> or <see cref="CurvePhases.Head"/>.</param>
/// <param name="Step">Steps taken so far (0 before the first).</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Loss">Mean training loss since the previous point; null at step 0.</param>
/// <param name="LearningRate">Learning rate of the point's last step; null at step 0.</param>
/// <param name="ImagesPerSecond">Training images per second since the previous point (measurements excluded); null at step 0.</param>
/// <param name="KnnAccuracy">Online k-NN identity accuracy (0–1), when measured at this point.</param>
/// <param name="Seconds">Seconds since the run's first step began.</param>
public sealed record CurvePoint(string Phase, long Step, long TotalSteps, double? Loss, double? LearningRate, double? ImagesPerSecond, double? KnnAccuracy, double Seconds);

/// <summary>The phases a curve point belongs to.</summary>
public static class CurvePhases
{
    /// <summary>A pre-training job's steps.</summary>
    public const string Pretrain = "pretrain";

    /// <summary>An evaluation's head (linear probe) or fine-tuning steps.</summary>
    public const string Head = "head";
}

/// <summary>The held-out identity set pre-training runs are watched with (an online k-NN identity accuracy).</summary>
public static class KnnProbe
{
    /// <summary>Identities in the probe: guessing scores 1 in this many.</summary>
    public const int Identities = 50;

    /// <summary>Images of each identity (half in the k-NN bank, half queries).</summary>
    public const int ImagesPerIdentity = 8;
}
