using FaceRep.Grid.Abstractions;

namespace FaceRep.Grid.Workers;

/// <summary>What kind of device a name is: <c>cudaN</c> is a GPU, anything else a CPU slot.</summary>
public static class DeviceKinds
{
    /// <summary>A GPU.</summary>
    public const string Gpu = "gpu";

    /// <summary>A CPU slot.</summary>
    public const string Cpu = "cpu";

    /// <summary>The kind of the device named <paramref name="device"/> (a device name, or a worker key ending in one).</summary>
    public static string Of(string device)
    {
        var name = WorkerKey.TryParse(device, out var key) ? key.Device : device;
        return name.StartsWith("cuda", StringComparison.Ordinal) ? Gpu : Cpu;
    }
}
