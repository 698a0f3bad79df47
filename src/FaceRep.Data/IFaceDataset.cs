namespace FaceRep.Data;

/// <summary>A random-access collection of face samples.</summary>
public interface IFaceDataset
{
    /// <summary>The dataset's name.</summary>
    string Name { get; }

    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>Width and height of every image.</summary>
    int Resolution { get; }

    /// <summary>The sample at <paramref name="index"/>: depends only on the dataset's options and the index; thread-safe.</summary>
    FaceSample Get(int index);
}
