using FaceRep.Core.Experiments;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceRep.Training;

/// <summary>
/// The devices a job trains on, and how its state and data get there. Every module is built on
/// the CPU under a fixed seed (so a run's initial weights are the same on every device kind) and
/// then moved; every batch is made on the CPU and staged to the device once per step; every
/// result comes back once. libtorch device names: <c>cpu</c>, <c>cuda:N</c>, and <c>meta</c>
/// (shapes without data, for checks that a step keeps everything on the job's device).
/// </summary>
public static class JobDevices
{
    /// <summary>The host, where modules are built and batches made.</summary>
    public static readonly Device Cpu = new(DeviceType.CPU, -1);

    /// <summary>The libtorch devices named by <paramref name="names"/>, checked against what this process can use.</summary>
    /// <exception cref="JobFailedException">No device, a name libtorch does not know, or a CUDA device this build or machine lacks.</exception>
    public static Device[] Of(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
            throw new JobFailedException(FailureKind.Deterministic, "the job was given no device");
        var devices = new Device[names.Count];
        for (var i = 0; i < names.Count; i++)
            devices[i] = Parse(names[i]);
        return devices;
    }

    /// <summary>One device by its libtorch name.</summary>
    /// <exception cref="JobFailedException">The name is not a device this process can use.</exception>
    public static Device Parse(string name)
    {
        var (kind, index) = Split(name);
        switch (kind)
        {
            case "cpu":
                return Cpu;
            case "meta":
                return new Device(DeviceType.META, -1);
            case "cuda":
                var count = TorchRuntime.CudaDevices();
                if (count == 0)
                    throw new JobFailedException(FailureKind.Deterministic,
                        $"device '{name}' is a CUDA device, and libtorch sees none here (a CPU build, or no GPU driver); see README, \"GPU build\"");
                if (index >= count)
                    throw new JobFailedException(FailureKind.Deterministic, $"device '{name}': libtorch sees {count} CUDA device(s), cuda:0 to cuda:{count - 1}");
                return new Device(DeviceType.CUDA, Math.Max(0, index));
            default:
                throw new JobFailedException(FailureKind.Deterministic, $"device '{name}' is not a libtorch device this build runs on (cpu, cuda:N)");
        }
    }

    private static (string Kind, int Index) Split(string name)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return (name, -1);
        return int.TryParse(name.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            ? (name[..colon], index)
            : throw new JobFailedException(FailureKind.Deterministic, $"device '{name}': the index after ':' must be a number");
    }

    /// <summary>
    /// Whether two devices are one. TorchSharp makes a new <see cref="Device"/> object on every
    /// <c>tensor.device</c>, and <see cref="Device"/> has no equality of its own; the CPU is one
    /// device whatever its index (−1 or 0).
    /// </summary>
    public static bool Same(Device a, Device b) =>
        a.type == b.type && (a.type == DeviceType.CPU || Math.Max(0, a.index) == Math.Max(0, b.index));

    /// <summary>Whether the tensor is on the device.</summary>
    public static bool IsOn(this Tensor tensor, Device device) => Same(tensor.device, device);

    /// <summary>
    /// A host tensor on the device, for a step: itself on the CPU; on a CUDA device a copy made
    /// from page-locked memory without blocking the host (the step's first read of a result
    /// waits for it); elsewhere a plain copy. The caller disposes the host tensor as before.
    /// </summary>
    public static Tensor Stage(Tensor host, Device device)
    {
        if (host.IsOn(device))
            return host;
        if (device.type == DeviceType.CUDA)
        {
            using var pinned = host.pin_memory();
            return pinned.to(device, non_blocking: true);
        }

        return host.to(device);
    }

    /// <summary>
    /// Moves a tensor a module does not own (a queue, a constant, a lookup table) to the device,
    /// releasing the old one; kept outside any dispose scope like the original.
    /// </summary>
    public static void Move(ref Tensor tensor, Device device)
    {
        if (tensor.IsOn(device))
            return;
        var moved = tensor.to(device).DetachFromDisposeScope();
        tensor.Dispose();
        tensor = moved;
    }

    /// <summary>Moves a parameter no module owns (class weights) to the device, as a new parameter; the old one is released.</summary>
    public static void Move(ref TorchSharp.Modules.Parameter parameter, Device device)
    {
        if (parameter.IsOn(device))
            return;
        var moved = new TorchSharp.Modules.Parameter(parameter.detach().to(device).DetachFromDisposeScope(), parameter.requires_grad);
        parameter.Dispose();
        parameter = moved;
    }

    /// <summary>Moves a module's parameters and buffers to the device (in place of the old ones; optimisers are made after).</summary>
    public static void Move(nn.Module module, Device device)
    {
        if (module.parameters().Concat(module.buffers()).All(t => t.IsOn(device)))
            return;
        module.to(device);
    }
}
