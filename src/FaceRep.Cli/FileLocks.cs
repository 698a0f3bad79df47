using System.Runtime.InteropServices;

namespace FaceRep.Cli;

/// <summary>
/// Which process holds a POSIX record lock on a file: DuckDB takes one on a database it has open,
/// so this tells "another program has results.duckdb open" apart from "results.duckdb is damaged"
/// by asking the kernel, not by reading DuckDB's error text.
/// </summary>
internal static class FileLocks
{
    private const int GetLock = 5;      // F_GETLK on Linux (x64 and arm64)
    private const short WriteLock = 1;  // F_WRLCK
    private const short Unlocked = 2;   // F_UNLCK

    /// <summary>struct flock as Linux lays it out on 64-bit machines.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(SafeHandle fd, int command, ref Flock flock);

    /// <summary>The process holding a lock that conflicts with writing <paramref name="path"/>, or null (none, or not Linux).</summary>
    public static (int Pid, string Name)? Holder(string path)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(path))
            return null;
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var query = new Flock { Type = WriteLock, Whence = 0, Start = 0, Length = 0 };
        if (Fcntl(handle, GetLock, ref query) != 0 || query.Type == Unlocked)
            return null;
        return (query.Pid, ProcessName(query.Pid));
    }

    private static string ProcessName(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }
}
