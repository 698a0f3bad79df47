using System.Globalization;
using System.Runtime.InteropServices;

namespace FaceRep.Bench;

/// <summary>
/// glibc malloc settings and this process's page-fault and kernel-time counters. libtorch takes
/// tensor memory from malloc; blocks above malloc's mmap threshold are mapped fresh and unmapped on
/// free, and a trimmed heap gives pages back to the kernel, so a step that frees and re-allocates
/// its activations faults every page in again. Fixing the thresholds keeps those pages mapped.
/// </summary>
internal static class Malloc
{
    private const int TrimThreshold = -1;   // M_TRIM_THRESHOLD
    private const int MmapThreshold = -3;   // M_MMAP_THRESHOLD

    /// <summary>The largest mmap threshold glibc accepts on 64-bit (32 MiB): larger blocks still map.</summary>
    public const int MaxMmapThreshold = 32 * 1024 * 1024;

    /// <summary>Keeps blocks up to 32 MiB on the heap and the heap's free top mapped (1 GiB trim threshold).</summary>
    /// <returns>False when mallopt is unavailable or refused (not glibc).</returns>
    public static bool Tune()
    {
        try
        {
            return mallopt(MmapThreshold, MaxMmapThreshold) == 1 && mallopt(TrimThreshold, 1 << 30) == 1;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The same settings as glibc tunables, for a child process's environment (GLIBC_TUNABLES).</summary>
    public static string Tunables => $"glibc.malloc.mmap_threshold={MaxMmapThreshold}:glibc.malloc.trim_threshold={1 << 30}";

    /// <summary>Minor page faults and kernel CPU seconds of this process so far (Linux; zeros elsewhere).</summary>
    public static (long MinorFaults, double KernelSeconds) Counters()
    {
        if (!File.Exists("/proc/self/stat"))
            return (0, 0);
        var text = File.ReadAllText("/proc/self/stat");
        // Fields after the parenthesised command name: state is field 3, minflt 10, stime 15.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[7], CultureInfo.InvariantCulture), long.Parse(fields[12], CultureInfo.InvariantCulture) / 100.0);
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int mallopt(int param, int value);
}
