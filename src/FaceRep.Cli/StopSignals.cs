using System.Runtime.InteropServices;

namespace FaceRep.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM for every verb. The first one cancels <see cref="Token"/>: the verb
/// stops what it is doing the way it knows (a run stops handing out jobs, stops the running ones
/// at their next step and keeps what finished) and the process exits 130 (SIGINT) or 143
/// (SIGTERM). A second one exits at once with the same code: everything a run keeps is already
/// on disk, and the next run finds it.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TextWriter _error;
    private int _received;
    private int _exitCode;

    /// <summary>Starts listening for the signals.</summary>
    /// <param name="error">Where the "exiting at once" line goes.</param>
    public StopSignals(TextWriter error)
    {
        _error = error;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>The exit code the first signal calls for (130 for SIGINT, 143 for SIGTERM), or null if none came.</summary>
    public int? ExitCode => Volatile.Read(ref _exitCode) is > 0 and var code ? code : null;

    /// <summary>The conventional exit code of a process stopped by <paramref name="signal"/>: 128 plus the signal's number.</summary>
    public static int ExitCodeOf(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => Cli.ExitCodes.Interrupted,
        PosixSignal.SIGTERM => Cli.ExitCodes.Terminated,
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "only SIGINT and SIGTERM stop facerep"),
    };

    private void OnSignal(PosixSignalContext context)
    {
        // Never the runtime's default (terminate at once): the first signal asks for a clean stop.
        context.Cancel = true;
        var code = ExitCodeOf(context.Signal);
        if (Interlocked.Increment(ref _received) == 1)
        {
            Volatile.Write(ref _exitCode, code);
            // Off the signal thread: cancellation runs the verb's callbacks.
            ThreadPool.UnsafeQueueUserWorkItem(static stop => stop.Cancel(), _stop, preferLocal: false);
            return;
        }

        _error.WriteLine("Stopping at once: what finished is kept; run the same command again to go on.");
        _error.Flush();
        // At once: not Environment.Exit, whose orderly shutdown runs beside libtorch's threads
        // mid-step and can crash. What a run keeps is committed on disk already.
        ExitNow(ExitCode ?? code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitNow(int status);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _stop.Dispose();
    }
}
