using System.Globalization;
using System.Text.RegularExpressions;
using FaceRep.Grid.Hosting;

namespace FaceRep.Grid.Workers;

/// <summary>A compute device of this silo: a CPU slot (a share of the cores) or a GPU.</summary>
/// <param name="Name">Device name, unique within the silo (<c>cpu0</c>, <c>cuda1</c>).</param>
/// <param name="Threads">libtorch threads a job on it may use.</param>
/// <param name="TorchDevice">The device jobs on it train on (<c>cpu</c>, <c>cuda:1</c>).</param>
public sealed record Device(string Name, int Threads, string TorchDevice = "cpu");

/// <summary>
/// The devices this silo offers, fixed at start: the list in <see cref="GridOptions.Devices"/>
/// when given (<c>cpu0:2,cpu1:2,cuda0</c>; any <c>name</c> followed by digits, so tests may
/// declare virtual devices); otherwise one device per CUDA GPU when the trainer is TorchSharp
/// and libtorch sees any, plus <see cref="GridOptions.CpuSlots"/> CPU slots if set; otherwise
/// CPU slots of <see cref="GridOptions.ThreadsPerSlot"/> threads.
/// </summary>
public sealed partial class DeviceInventory
{
    /// <summary>Inventories the devices from the options.</summary>
    /// <param name="options">The grid's settings.</param>
    /// <param name="cudaDevices">How many CUDA devices libtorch sees (asked only when the list is not given).</param>
    public DeviceInventory(GridOptions options, Func<int>? cudaDevices = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ThreadsPerSlot, 1);
        if (!string.IsNullOrWhiteSpace(options.Devices))
        {
            Devices = Parse(options.Devices, options.ThreadsPerSlot, out var error) ?? throw new ArgumentException($"GridOptions.Devices: {error}", nameof(options));
            return;
        }

        var gpus = cudaDevices?.Invoke() ?? 0;
        var devices = Enumerable.Range(0, gpus).Select(i => new Device($"cuda{i}", options.ThreadsPerSlot, $"cuda:{i}")).ToList();
        var slots = options.CpuSlots > 0 ? options.CpuSlots : gpus > 0 ? 0 : Math.Max(1, Environment.ProcessorCount / options.ThreadsPerSlot);
        devices.AddRange(Enumerable.Range(0, slots).Select(i => new Device($"cpu{i}", options.ThreadsPerSlot)));
        Devices = devices;
    }

    /// <summary>The devices.</summary>
    public IReadOnlyList<Device> Devices { get; }

    /// <summary>Finds a device by name.</summary>
    public Device Get(string name) =>
        Devices.FirstOrDefault(d => d.Name == name)
        ?? throw new ArgumentException($"this silo has no device '{name}'; it has {string.Join(", ", Devices.Select(d => d.Name))}", nameof(name));

    /// <summary>
    /// Parses a device list, <c>NAME[:THREADS]</c> separated by commas: <c>cudaN</c> trains on
    /// <c>cuda:N</c>, any other name on the CPU. Null with <paramref name="error"/> naming the entry otherwise.
    /// </summary>
    public static IReadOnlyList<Device>? Parse(string text, int defaultThreads, out string? error)
    {
        error = null;
        var devices = new List<Device>();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var match = Entry().Match(raw);
            if (!match.Success)
            {
                error = $"'{raw}' is not a device; write NAME or NAME:THREADS, such as cpu0:2 or cuda1";
                return null;
            }

            var name = match.Groups["name"].Value;
            var threads = match.Groups["threads"].Success ? int.Parse(match.Groups["threads"].Value, CultureInfo.InvariantCulture) : defaultThreads;
            if (threads is < 1 or > 1024)
            {
                error = $"'{raw}' asks for {threads} threads; use 1-1024";
                return null;
            }

            if (devices.Any(d => d.Name == name))
            {
                error = $"device '{name}' is listed twice";
                return null;
            }

            var torch = name.StartsWith("cuda", StringComparison.Ordinal) ? $"cuda:{name["cuda".Length..]}" : "cpu";
            devices.Add(new Device(name, threads, torch));
        }

        return devices;
    }

    [GeneratedRegex(@"^(?<name>[a-z]+[0-9]+)(:(?<threads>[0-9]{1,4}))?$")]
    private static partial Regex Entry();
}
