using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace FaceRep.Cli.Tests;

/// <summary>
/// Stopping a run: Ctrl-C typed in a terminal, SIGINT and SIGTERM sent to the real executable. The
/// first stops handing out jobs and stops the running ones, keeps what finished and exits 130 or
/// 143; a second exits at once; the next run goes on from there.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed partial class StopTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-stop-{Guid.NewGuid():N}");

    public StopTests()
    {
        Directory.CreateDirectory(_dir);
        // Six jobs: a scratch backbone that is done at once, a short SimCLR pre-training, and four
        // fine-tunings long enough that a stop always finds them running.
        File.WriteAllText(Path.Combine(_dir, "long.yaml"), """
            name: long
            backbone: {arch: resnet18, width: 0.125, input: 32}
            pretrain:
              - {dataset: synth-curated, method: scratch}
              - {dataset: synth-curated, method: simclr, epochs: 1, images: 64, batch: 32}
            tasks: [landmarks]
            shots: [0.5]
            seeds: [0, 1]
            scale: {task_train: 100, task_test: 32, finetune_steps: 20000, finetune_batch: 16}
            """);
        // One pre-training of heavier steps: a stop waits for the running step to end.
        File.WriteAllText(Path.Combine(_dir, "slow.yaml"), """
            name: slow
            backbone: {arch: resnet18, width: 0.5, input: 64}
            pretrain:
              - {dataset: synth-curated, method: simclr, epochs: 2, images: 256, batch: 64}
            tasks: [landmarks]
            shots: [0.5]
            seeds: [0]
            scale: {task_train: 100, task_test: 32, finetune_steps: 20, finetune_batch: 16}
            """);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Ctrl_C_in_a_terminal_stops_the_run_with_exit_130_and_the_next_run_goes_on_from_there()
    {
        int doneBefore;
        using (var run = FacerepProcess.StartAs(FacerepProcess.Launch.Terminal, _dir, "run", "long.yaml"))
        {
            // In a terminal the run shows sweep watch's live view; stop once something has finished
            // (the scratch backbone: the rest are then running or ready).
            var line = await run.WaitForLineAsync(l => LiveDone(l) >= 1).WaitAsync(Timeout);
            run.Type("\x03");
            var code = await run.WaitForExitAsync(Timeout);

            // A terminal gets bold names and the Ctrl-C echo; the words are the same.
            var output = AnsiEscape().Replace(run.Output, "");
            Assert.True(code == 130, output);
            Assert.Contains("Stopping:", output, StringComparison.Ordinal);
            var stopped = StoppedLine().Match(output);
            Assert.True(stopped.Success, output);
            doneBefore = int.Parse(stopped.Groups["done"].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(doneBefore >= LiveDone(line), output);
            Assert.True(doneBefore < 6, $"the run was not stopped: {output}");
            Assert.Equal("0", stopped.Groups["failed"].Value);
            // The terminal wraps long lines.
            Assert.Contains("run the same command again", Regex.Replace(output, @"\s+", " "), StringComparison.Ordinal);
        }

        // The jobs it was running were handed back, not failed, and the next run reuses what finished.
        var log = string.Concat(Directory.GetFiles(Path.Combine(_dir, "facerep-out", "logs"), "*.log").Select(File.ReadAllText));
        Assert.Contains("back to the queue", log, StringComparison.Ordinal);
        using var again = FacerepProcess.StartAs(FacerepProcess.Launch.DefaultSignals, _dir, "run", "long.yaml");
        var reusing = await again.WaitForLineAsync(l => l.StartsWith("Reusing ", StringComparison.Ordinal)).WaitAsync(Timeout);
        Assert.Equal($"Reusing {doneBefore} finished job(s) from earlier runs; {6 - doneBefore} to run.", reusing.Trim());
        await again.WaitForLineAsync(l => Progress(l) is { Running: >= 1 }).WaitAsync(Timeout);
        again.Signal(PosixSignal.SIGTERM);
        Assert.Equal(143, await again.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task SIGTERM_stops_the_run_with_exit_143()
    {
        using var run = FacerepProcess.StartAs(FacerepProcess.Launch.DefaultSignals, _dir, "run", "long.yaml", "--out", "term");
        await run.WaitForLineAsync(l => Progress(l) is { Done: >= 1, Running: >= 1 }).WaitAsync(Timeout);
        run.Signal(PosixSignal.SIGTERM);

        Assert.True(await run.WaitForExitAsync(Timeout) == 143, run.Output);
        Assert.Matches(StoppedLine(), run.Output);
        Assert.DoesNotContain("Stopping at once", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_SIGINT_exits_at_once_and_leaves_a_directory_the_next_run_can_use()
    {
        using (var run = FacerepProcess.StartAs(FacerepProcess.Launch.DefaultSignals, _dir, "run", "slow.yaml", "--out", "twice"))
        {
            await run.WaitForLineAsync(l => Progress(l) is { Running: >= 1 }).WaitAsync(Timeout);
            run.Signal(PosixSignal.SIGINT);
            // The first waits for the running pre-training's step to end; the second does not wait.
            await run.WaitForLineAsync(l => l.StartsWith("Stopping:", StringComparison.Ordinal)).WaitAsync(Timeout);
            run.Signal(PosixSignal.SIGINT);

            var code = await run.WaitForExitAsync(Timeout);
            Assert.True(code == 130, $"exit {code}:\n{run.Output}");
            Assert.Contains("Stopping at once", run.Output, StringComparison.Ordinal);
        }

        using var again = FacerepProcess.StartAs(FacerepProcess.Launch.DefaultSignals, _dir, "run", "slow.yaml", "--out", "twice");
        await again.WaitForLineAsync(l => Progress(l) is { Running: >= 1 }).WaitAsync(Timeout);
        again.Signal(PosixSignal.SIGTERM);
        Assert.True(await again.WaitForExitAsync(Timeout) == 143, again.Output);
        Assert.Matches(StoppedLine(), again.Output);
    }

    /// <summary>Done and running counts of a progress line ("[00:03] 2/6 done · 2 running · …").</summary>
    private static (int Done, int Running)? Progress(string line) =>
        ProgressLine().Match(line) is { Success: true } m
            ? (int.Parse(m.Groups["done"].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups["running"].Value, System.Globalization.CultureInfo.InvariantCulture))
            : null;

    /// <summary>Jobs done in the live view's header ("Sweep long · running · 2/6 done · elapsed 3s"), or -1.</summary>
    private static int LiveDone(string line) =>
        LiveHeader().Match(AnsiEscape().Replace(line, "")) is { Success: true } m ? int.Parse(m.Groups["done"].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;

    [GeneratedRegex(@"(?<done>\d+)/\d+ done · elapsed")]
    private static partial Regex LiveHeader();

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"(?<done>\d+)/\d+ done · (?<running>\d+) running")]
    private static partial Regex ProgressLine();

    [GeneratedRegex(@"Stopped sweep \w+: (?<done>\d+) of \d+ jobs done, (?<failed>\d+) failed")]
    private static partial Regex StoppedLine();
}
