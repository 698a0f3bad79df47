using TorchSharp;

namespace FaceRep.Training;

/// <summary>
/// Process-wide TorchSharp state. libtorch's default random generator is shared by every
/// thread, so code that draws from it (weight initialisation) runs under one lock with a fixed
/// seed; everything random after initialisation is drawn in C# from per-job generators. Thread
/// counts are per calling thread with libtorch's OpenMP backend, so each training thread sets
/// its own.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock InitLock = new();

    /// <summary>
    /// Runs <paramref name="create"/> with libtorch's generator seeded, exclusively, and with the CPU as the
    /// device of every tensor it makes without naming one: modules are built on the host, where the same
    /// seed gives the same weights on every machine, and a job moves them to its device after.
    /// </summary>
    public static T Seeded<T>(long seed, Func<T> create)
    {
        lock (InitLock)
        {
            var previous = torch.get_default_device();
            torch.set_default_device(JobDevices.Cpu);
            try
            {
                torch.manual_seed(seed);
                return create();
            }
            finally
            {
                torch.set_default_device(previous);
            }
        }
    }

    /// <summary>Sets the intra-op thread count of the calling thread.</summary>
    public static void UseThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        torch.set_num_threads(threads);
    }

    /// <summary>TorchSharp's version.</summary>
    public static string Version => typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>CUDA devices libtorch sees (loads libtorch).</summary>
    public static int CudaDevices() => torch.cuda.is_available() ? torch.cuda.device_count() : 0;

    /// <summary>Loads libtorch now, so a broken installation fails at start-up rather than in a job.</summary>
    public static string Describe() =>
        $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch threads {torch.get_num_threads()}, CUDA {(torch.cuda.is_available() ? "available" : "not available")}";
}
