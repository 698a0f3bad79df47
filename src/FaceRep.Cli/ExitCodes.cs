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

    /// <summary>The cluster (or the embedded silo) could not be reached or started.</summary>
    public const int Unreachable = 3;
}
