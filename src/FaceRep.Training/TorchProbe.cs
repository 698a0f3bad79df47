namespace FaceRep.Training;

/// <summary>Placeholder while the skeleton is assembled.</summary>
public static class TorchProbe
{
    /// <summary>Returns libtorch's reported thread count, forcing the native library to load.</summary>
    public static int Threads() => TorchSharp.torch.get_num_threads();
}
