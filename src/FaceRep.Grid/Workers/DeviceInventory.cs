using FaceRep.Grid.Hosting;

namespace FaceRep.Grid.Workers;

/// <summary>A compute device of this silo: a CPU slot (a share of the cores) or a GPU.</summary>
/// <param name="Name">Device name, unique within the silo (<c>cpu0</c>, <c>cuda1</c>).</param>
/// <param name="Threads">libtorch threads a job on it may use.</param>
public sealed record Device(string Name, int Threads);

/// <summary>The devices this silo offers, fixed at start.</summary>
public sealed class DeviceInventory
{
    /// <summary>Inventories CPU slots from the options.</summary>
    public DeviceInventory(GridOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ThreadsPerSlot, 1);
        var slots = options.CpuSlots > 0 ? options.CpuSlots : Math.Max(1, Environment.ProcessorCount / options.ThreadsPerSlot);
        Devices = Enumerable.Range(0, slots).Select(i => new Device($"cpu{i}", options.ThreadsPerSlot)).ToList();
    }

    /// <summary>The devices.</summary>
    public IReadOnlyList<Device> Devices { get; }

    /// <summary>Finds a device by name.</summary>
    public Device Get(string name) =>
        Devices.FirstOrDefault(d => d.Name == name)
        ?? throw new ArgumentException($"this silo has no device '{name}'; it has {string.Join(", ", Devices.Select(d => d.Name))}", nameof(name));
}
