namespace FaceRep.Training.Optimisers;

/// <summary>An optimiser whose learning rate the caller sets before each step.</summary>
public interface IOptimiser : IDisposable
{
    /// <summary>The learning rate of the next step.</summary>
    double LearningRate { get; set; }

    /// <summary>Steps taken.</summary>
    long Steps { get; }

    /// <summary>Clears the gradients.</summary>
    void ZeroGrad();

    /// <summary>Applies one update from the current gradients.</summary>
    void Step();
}
