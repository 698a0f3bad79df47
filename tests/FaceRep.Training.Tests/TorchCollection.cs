namespace FaceRep.Training.Tests;

/// <summary>
/// libtorch's seed, default dtype and thread count are process-wide: every test that uses
/// TorchSharp runs in this one collection, one at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
