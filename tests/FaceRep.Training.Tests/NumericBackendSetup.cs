using System.Runtime.CompilerServices;
using FaceRep.Training.Numerics;

namespace FaceRep.Training.Tests;

/// <summary>
/// Caps oneDNN's ISA as the product's executables do, before any test can run a convolution
/// (oneDNN reads the cap once, at its first convolution).
/// </summary>
internal static class NumericBackendSetup
{
#pragma warning disable CA2255 // A test assembly is the process's entry for this purpose.
    [ModuleInitializer]
    internal static void CapIsa() => NumericBackend.CapIsa();
#pragma warning restore CA2255
}
