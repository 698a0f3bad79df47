namespace FaceRep.Cli;

/// <summary>The exit codes every facerep verb uses.</summary>
public static class ExitCodes
{
    /// <summary>Everything asked for was done.</summary>
    public const int Ok = 0;

    /// <summary>The sweep ran, but some jobs failed.</summary>
    public const int JobFailures = 1;

    /// <summary>The input (spec, arguments) was refused; nothing was changed.</summary>
    public const int BadInput = 2;

    /// <summary>
    /// The cluster (or the embedded silo) could not be reached or started, or a store it needs
    /// (state, results, the output directory) is in use by another run, unreadable or damaged.
    /// </summary>
    public const int Unreachable = 3;

    /// <summary>A fault in facerep itself: one line, and the details in a file it names.</summary>
    public const int Internal = 4;

    /// <summary>Stopped by Ctrl-C (SIGINT): 128 + 2.</summary>
    public const int Interrupted = 130;

    /// <summary>Stopped by SIGTERM: 128 + 15.</summary>
    public const int Terminated = 143;
}
