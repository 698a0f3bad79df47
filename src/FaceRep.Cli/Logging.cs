using Serilog;
using Serilog.Events;

namespace FaceRep.Cli;

/// <summary>Serilog set-up: warnings to the console (everything with --verbose), everything to a file under the output directory.</summary>
public static class Logging
{
    /// <summary>Creates the logger and returns it with the log file's path.</summary>
    public static (Serilog.Core.Logger Logger, string File) Create(string outputDirectory, bool verbose)
    {
        var logs = Path.Combine(outputDirectory, "logs");
        Directory.CreateDirectory(logs);
        var file = Path.Combine(logs, "facerep-.log");
        var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Orleans", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Polly", LogEventLevel.Warning)
            // Orleans' watchdog reports a bogus stall (its first check measures from an unset time) once at start.
            .MinimumLevel.Override("Orleans.Runtime.Watchdog", LogEventLevel.Error)
            .Enrich.FromLogContext()
            .WriteTo.Console(
                restrictedToMinimumLevel: verbose ? LogEventLevel.Information : LogEventLevel.Warning,
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose)
            .WriteTo.File(
                file,
                rollingInterval: RollingInterval.Day,
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        return (logger, logs);
    }
}
