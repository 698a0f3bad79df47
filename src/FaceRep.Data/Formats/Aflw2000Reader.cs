namespace FaceRep.Data.Formats;

/// <summary>The annotation of one AFLW2000-3D image.</summary>
/// <param name="Path">The <c>.mat</c> file read.</param>
/// <param name="Points">68 3-D points as x0, y0, z0, x1, … (204 values), as stored in <c>pt3d_68</c>.</param>
/// <param name="Pitch">Pose_Para[0], radians.</param>
/// <param name="Yaw">Pose_Para[1], radians.</param>
/// <param name="Roll">Pose_Para[2], radians.</param>
/// <param name="PoseParameters">All of <c>Pose_Para</c> (pitch, yaw, roll, tx, ty, tz, scale in the released files).</param>
public sealed record Aflw2000Annotation(string Path, float[] Points, double Pitch, double Yaw, double Roll, double[] PoseParameters)
{
    /// <summary>Number of 3-D points.</summary>
    public int PointCount => Points.Length / 3;
}

/// <summary>
/// Reads AFLW2000-3D annotations: MATLAB level-5 <c>.mat</c> files holding <c>pt3d_68</c> (3×68, one column
/// per point) and <c>Pose_Para</c> (1×7). Coordinates are returned as stored: x and y are image pixels in the
/// MATLAB (1-based) convention of the files; subtract 1 for 0-based pixel centres.
/// </summary>
public static class Aflw2000Reader
{
    /// <summary>Points per face.</summary>
    public const int PointCount = 68;

    /// <summary>The variable holding the 3-D landmarks.</summary>
    public const string PointsVariable = "pt3d_68";

    /// <summary>The variable holding the pose.</summary>
    public const string PoseVariable = "Pose_Para";

    /// <summary>Reads one AFLW2000-3D <c>.mat</c> file.</summary>
    public static Aflw2000Annotation Read(string path)
    {
        var variables = MatFile.Read(path);
        if (!variables.TryGetValue(PointsVariable, out var pts))
        {
            throw Missing(path, PointsVariable, variables);
        }

        if (!variables.TryGetValue(PoseVariable, out var pose))
        {
            throw Missing(path, PoseVariable, variables);
        }

        if (pts.Dimensions.Length != 2 || pts.Rows != 3 || pts.Columns != PointCount)
        {
            throw new DataFormatException(path, null, pts.Shape, $"{PointsVariable} must be 3×{PointCount}");
        }

        if (pose.Data.Length < 3)
        {
            throw new DataFormatException(path, null, pose.Shape, $"{PoseVariable} must hold at least pitch, yaw and roll");
        }

        var points = new float[3 * PointCount];
        for (var j = 0; j < PointCount; j++)
        {
            for (var k = 0; k < 3; k++)
            {
                var v = pts[k, j];
                if (!double.IsFinite(v))
                {
                    throw new DataFormatException(path, null, v.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{PointsVariable}({k + 1},{j + 1}) is not finite");
                }

                points[(3 * j) + k] = (float)v;
            }
        }

        for (var i = 0; i < 3; i++)
        {
            if (!double.IsFinite(pose.Data[i]))
            {
                throw new DataFormatException(path, null, pose.Data[i].ToString(System.Globalization.CultureInfo.InvariantCulture), $"{PoseVariable}({i + 1}) is not finite");
            }
        }

        return new Aflw2000Annotation(path, points, pose.Data[0], pose.Data[1], pose.Data[2], [.. pose.Data]);
    }

    private static DataFormatException Missing(string path, string name, IReadOnlyDictionary<string, MatArray> variables)
    {
        var found = variables.Count == 0 ? "none" : string.Join(", ", variables.Keys.Order(StringComparer.Ordinal));
        return new DataFormatException(path, null, name, $"no numeric variable '{name}' (numeric variables: {found})");
    }
}
