namespace FaceRep.Grid.Grains;

/// <summary>Names of the grid's storage providers.</summary>
public static class GridStorage
{
    /// <summary>The grain storage every grid grain persists to.</summary>
    public const string Name = "facerep";
}
