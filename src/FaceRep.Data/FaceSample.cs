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

    /// <summary>
    /// Identity (subject) label (≥ 0), or −1 when the flavour is unlabelled or the image is a distractor. Task
    /// splits never share an identity, so it also serves subject-exclusive splitting.
    /// </summary>
    public required int Identity { get; init; }

    /// <summary>
    /// The 68 points in 3D as x0, y0, z0, x1, y1, z1, … (204 values): x and y are exactly <see cref="Landmarks"/>;
    /// z is depth in pixels, positive away from the camera (which looks along +z), zero at the points' mean.
    /// All zeros for a distractor; empty when the source has no 3D landmarks.
    /// </summary>
    public float[] Landmarks3D { get; init; } = [];

    /// <summary>
    /// Action-unit intensities in [0, 5], one per unit of <see cref="SynthFaceLabels.ActionUnits"/> in that
    /// order; a unilateral action counts at the intensity of the side it acts on. All zeros for a distractor;
    /// empty when the source has no action-unit labels.
    /// </summary>
    public float[] ActionUnits { get; init; } = [];

    /// <summary>Emotion class 0–7 (see <see cref="SynthFaceLabels.Emotions"/>), or −1 when the source has no emotion label.</summary>
    public int Emotion { get; init; } = -1;

    /// <summary>Valence in [−1, 1] (unpleasant … pleasant); NaN when <see cref="Emotion"/> is −1.</summary>
    public float Valence { get; init; } = float.NaN;

    /// <summary>Arousal in [−1, 1] (calm … excited); NaN when <see cref="Emotion"/> is −1.</summary>
    public float Arousal { get; init; } = float.NaN;

    /// <summary>
    /// Head yaw in degrees: positive turns the face towards the image's right (the subject's left). The head is
    /// rolled, then pitched, then yawed (about the image's z, x and y axes). NaN when unknown or for a distractor.
    /// </summary>
    public float Yaw { get; init; } = float.NaN;

    /// <summary>Head pitch in degrees: positive tilts the face up. NaN when unknown or for a distractor.</summary>
    public float Pitch { get; init; } = float.NaN;

    /// <summary>Head roll in degrees: positive turns the face clockwise in the image. NaN when unknown or for a distractor.</summary>
    public float Roll { get; init; } = float.NaN;
}
