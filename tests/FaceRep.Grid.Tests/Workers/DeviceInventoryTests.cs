using FaceRep.Grid.Hosting;
using FaceRep.Grid.Workers;

namespace FaceRep.Grid.Tests.Workers;

public sealed class DeviceInventoryTests
{
    [Fact]
    public void A_listed_inventory_is_taken_as_written_with_cuda_names_training_on_their_gpu()
    {
        var inventory = new DeviceInventory(new GridOptions { Devices = "cpu0:2, cpu1, cuda1, virtual7:3", ThreadsPerSlot = 4 }, () => throw new InvalidOperationException("not asked"));

        Assert.Equal(
            [new Device("cpu0", 2), new Device("cpu1", 4), new Device("cuda1", 4, "cuda:1"), new Device("virtual7", 3)],
            inventory.Devices);
    }

    [Theory]
    [InlineData("gpu", "'gpu' is not a device")]
    [InlineData("cpu0,,cpu1", "'' is not a device")]
    [InlineData("cpu0:0", "asks for 0 threads")]
    [InlineData("cpu0:2,cpu0:1", "device 'cpu0' is listed twice")]
    public void A_bad_list_is_refused_naming_the_entry(string text, string why)
    {
        Assert.Null(DeviceInventory.Parse(text, 1, out var error));
        Assert.Contains(why, error, StringComparison.Ordinal);

        var thrown = Assert.Throws<ArgumentException>(() => new DeviceInventory(new GridOptions { Devices = text }));
        Assert.Contains(why, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GPUs_become_devices_and_cpu_slots_join_them_only_when_asked_for()
    {
        var gpusOnly = new DeviceInventory(new GridOptions { ThreadsPerSlot = 2 }, () => 2);
        var withCpu = new DeviceInventory(new GridOptions { CpuSlots = 1 }, () => 1);

        Assert.Equal([new Device("cuda0", 2, "cuda:0"), new Device("cuda1", 2, "cuda:1")], gpusOnly.Devices);
        Assert.Equal([new Device("cuda0", 1, "cuda:0"), new Device("cpu0", 1)], withCpu.Devices);
    }

    [Fact]
    public void Without_gpus_the_cores_are_shared_into_cpu_slots()
    {
        Assert.Equal(3, new DeviceInventory(new GridOptions { CpuSlots = 3 }, () => 0).Devices.Count);
        var automatic = new DeviceInventory(new GridOptions { ThreadsPerSlot = 1 });
        Assert.Equal(Math.Max(1, Environment.ProcessorCount), automatic.Devices.Count);
        Assert.All(automatic.Devices, d => Assert.Equal("cpu", d.TorchDevice));
    }
}
