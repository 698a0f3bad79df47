namespace FaceRep.Core.Metrics;

/// <summary>The distance a landmark error is divided by to make faces of different sizes comparable.</summary>
public enum NmeNormalisation
{
    /// <summary>
    /// Distance between the ground truth's outer eye corners (points 36 and 45 of the 68-point
    /// layout): the 300W convention.
    /// </summary>
    InterOcular,

    /// <summary>
    /// Diagonal √(w² + h²) of the ground truth landmarks' tight bounding box: the AFLW (19-point)
    /// convention.
    /// </summary>
    Diagonal,

    /// <summary>
    /// √(w·h) of the ground truth landmarks' tight bounding box: the AFLW2000-3D convention.
    /// </summary>
    Box,
}
