using FaceRep.Core.Experiments;
using FaceRep.Training.Backbones;
using FaceRep.Training.Runs;

namespace FaceRep.Training.Methods;

/// <summary>A pre-training method: validates its own options and trains a backbone.</summary>
public interface IPretrainMethod
{
    /// <summary>The name specs use.</summary>
    string Name { get; }

    /// <summary>False for methods that produce no checkpoint (scratch: random initialisation).</summary>
    bool Trains { get; }

    /// <summary>Returns the problems with a configuration for this method (empty when valid).</summary>
    IReadOnlyList<string> Validate(PretrainConfig config);

    /// <summary>Trains a backbone; runs on the calling (training) thread.</summary>
    ResNet Train(PretrainConfig config, RunContext context);
}

/// <summary>Pre-training methods by name.</summary>
public static class PretrainMethods
{
    private static readonly Dictionary<string, IPretrainMethod> Methods = new IPretrainMethod[]
    {
        new ScratchMethod(),
        new SupervisedMethod(),
        new SimClrMethod(),
        new MocoMethod(),
        new SwavMethod(),
        new ByolMethod(),
        new BarlowTwinsMethod(),
        new ImportMethod(),
    }.ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>Names of the methods this build can run.</summary>
    public static IReadOnlyCollection<string> Available => Methods.Keys;

    /// <summary>Finds a method.</summary>
    /// <exception cref="JobFailedException">The method is not available in this build.</exception>
    public static IPretrainMethod Get(string name) =>
        Methods.TryGetValue(name, out var method)
            ? method
            : throw new JobFailedException(FailureKind.Deterministic,
                $"pre-training method '{name}' is not available in this build; available: {string.Join(", ", Methods.Keys)}");

    /// <summary>True when this build can run the method.</summary>
    public static bool IsAvailable(string name) => Methods.ContainsKey(name);
}

/// <summary>No pre-training: evaluation starts from a seeded random initialisation.</summary>
internal sealed class ScratchMethod : IPretrainMethod
{
    public string Name => "scratch";

    public bool Trains => false;

    public IReadOnlyList<string> Validate(PretrainConfig config) => [];

    public ResNet Train(PretrainConfig config, RunContext context) =>
        throw new InvalidOperationException("scratch has nothing to train");
}
