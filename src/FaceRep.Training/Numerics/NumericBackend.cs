using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace FaceRep.Training.Numerics;

/// <summary>
/// Process-wide choices about libtorch's CPU kernels that must be made before the first
/// convolution runs, and what was chosen.
/// <para>
/// libtorch 2.10's oneDNN (3.7.1) computes convolutions in blocked layouts (channels in blocks of
/// 8 under AVX2, 16 under AVX-512). Measured on an AMD EPYC with AVX-512 (bench <c>numerics</c>,
/// docs/NUMERICS.md): whenever the tensor a pass reads has a channel count that is not a multiple
/// of the block, the padding lanes hold whatever was in memory, and the forward output or the input
/// gradient comes out wrong by 10–100% or NaN, differently from run to run; under AVX-512 some
/// stride-2 3×3 input gradients are wrong even with whole blocks (48 and 80 input channels). Under
/// AVX2 every case with whole blocks of 8 was right (0 of 4,000 shapes wrong) and every wrong case
/// was a partial block. So the grid caps oneDNN at AVX2 and pads channel counts to whole blocks
/// (<see cref="Layers.ConvLayer"/>); <see cref="NumericSelfCheck"/> verifies the result at start.
/// </para>
/// <para>
/// The cap is read by oneDNN from the native environment when it first needs its ISA, so it is
/// set with libc's <c>setenv</c> (.NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// changes only the managed copy on Linux). A cap already in the environment (<c>DNNL_MAX_CPU_ISA</c>
/// or <c>ONEDNN_MAX_CPU_ISA</c>) is the operator's choice and is kept; the self-check then decides
/// whether it may train.
/// </para>
/// </summary>
public static class NumericBackend
{
    /// <summary>The cap the grid sets where none is given: AVX2, whose kernels were right with whole blocks.</summary>
    public const string DefaultIsaCap = "AVX2";

    private static readonly Lock Gate = new();
    private static (string Cap, string Source)? s_cap;
    private static BackendState? s_state;

    /// <summary>
    /// Sets the oneDNN ISA cap in the native environment unless it gives one. Loads nothing:
    /// call it first thing in any process that may train, before other threads read the
    /// environment (libc's setenv is not safe against them). Later calls do nothing.
    /// </summary>
    public static void CapIsa()
    {
        lock (Gate)
        {
            if (s_cap is not null)
                return;
            if ((Given("DNNL_MAX_CPU_ISA") ?? Given("ONEDNN_MAX_CPU_ISA")) is { } given)
            {
                s_cap = given;
                return;
            }

            if (setenv("DNNL_MAX_CPU_ISA", DefaultIsaCap, 1) != 0)
                throw new InvalidOperationException($"could not set DNNL_MAX_CPU_ISA in the native environment (errno {Marshal.GetLastPInvokeError()})");
            s_cap = (DefaultIsaCap, "FaceRep default");
        }
    }

    /// <summary>
    /// <see cref="CapIsa"/>, then turns NNPACK off in libtorch (which loads it). Later calls
    /// return what the first decided.
    /// </summary>
    public static BackendState Prepare()
    {
        lock (Gate)
        {
            if (s_state is not null)
                return s_state;
            CapIsa();
            var (cap, source) = s_cap!.Value;
            // NNPACK cannot initialise on some CPUs and then logs a warning for every
            // convolution; where it can, it would take some stride-1 convolutions away from
            // oneDNN. Off, every CPU computes convolutions the same way.
            SetUserEnabledNnpack(GlobalContext(), false);
            s_state = new BackendState(cap, source, ChannelBlockFor(cap));
            return s_state;
        }
    }

    /// <summary>
    /// oneDNN's ISA cap: as <see cref="CapIsa"/> set or found it, else as it will (the
    /// environment's, or the default). Changes nothing and loads nothing.
    /// </summary>
    public static string IsaCap =>
        s_cap?.Cap ?? (Given("DNNL_MAX_CPU_ISA") ?? Given("ONEDNN_MAX_CPU_ISA"))?.Cap ?? DefaultIsaCap;

    /// <summary>What <see cref="Prepare"/> decided; prepares first if nothing has.</summary>
    public static BackendState Current => s_state ?? Prepare();

    /// <summary>
    /// Turns oneDNN convolutions off (libtorch then uses its own im2col and matrix-multiply
    /// kernels): right on every CPU, several times slower. The fallback when the self-check fails.
    /// </summary>
    public static void DisableOneDnn()
    {
        lock (Gate)
        {
            SetUserEnabledMkldnn(GlobalContext(), false);
            s_state = Current with { OneDnn = false };
        }
    }

    /// <summary>The channel block oneDNN uses under a cap: 16 where AVX-512 kernels may run, else 8.</summary>
    internal static int ChannelBlockFor(string cap)
    {
        var upper = cap.ToUpperInvariant();
        var allowsAvx512 = upper.StartsWith("AVX512", StringComparison.Ordinal) || upper.StartsWith("AVX10", StringComparison.Ordinal) || upper == "ALL";
        return allowsAvx512 && Avx512F.IsSupported ? 16 : 8;
    }

    private static (string Cap, string Source)? Given(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? (value, name) : null;

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv(string name, string value, int overwrite);

    // at::globalContext() and two of its setters, exported by libtorch_cpu but not by TorchSharp.
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
}

/// <summary>The numeric backend a process trains with.</summary>
/// <param name="IsaCap">oneDNN's ISA cap (DNNL_MAX_CPU_ISA).</param>
/// <param name="CapSource">Where the cap came from: "FaceRep default" or the environment variable that gave it.</param>
/// <param name="ChannelBlock">Channel counts are padded to multiples of this before a convolution.</param>
/// <param name="OneDnn">Whether convolutions run in oneDNN (false after the self-check's fallback).</param>
public sealed record BackendState(string IsaCap, string CapSource, int ChannelBlock, bool OneDnn = true)
{
    /// <summary>One line for logs and run records.</summary>
    public override string ToString() =>
        OneDnn
            ? $"oneDNN capped at {IsaCap} ({CapSource}), channels padded to multiples of {ChannelBlock}"
            : $"oneDNN off (libtorch's own convolution kernels), cap {IsaCap} ({CapSource})";
}
