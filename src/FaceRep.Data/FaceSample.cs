namespace FaceRep.Data;

/// <summary>One rendered face: pixels and exact labels (labels are causes, not annotations).</summary>
public sealed class FaceSample
{
    /// <summary>Width and height of the square image in pixels.</summary>
    public required int Resolution { get; init; }

    /// <summary>Planar RGB (CHW), length 3·R·R, values in [0, 1].</summary>
    public required float[] Pixels { get; init; }

    /// <summary>
    /// The 68 iBUG/300W points as x0, y0, x1, y1, … in pixel units, origin at the top-left corner of the
    /// image (pixel i spans [i, i + 1)). All zeros for a non-face distractor.
    /// </summary>
    public required float[] Landmarks { get; init; }

    /// <summary>Identity label (≥ 0), or −1 when the flavour is unlabelled or the image is a distractor.</summary>
    public required int Identity { get; init; }
}
