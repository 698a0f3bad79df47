namespace FaceRep.Data.Landmarks;

/// <summary>
/// Landmark layouts and their mirror maps. Mirroring an image left–right turns the left eye
/// into the right eye, so a flipped point must also change its index: point <c>i</c> of the
/// flipped face is point <c>FlipPermutation[i]</c> of the original, mirrored.
/// </summary>
public static class LandmarkSchemes
{
    /// <summary>The iBUG/300W 68-point layout: jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67.</summary>
    public static IReadOnlyList<int> Flip68 { get; } = Build(68,
        (0, 16), (1, 15), (2, 14), (3, 13), (4, 12), (5, 11), (6, 10), (7, 9),
        (17, 26), (18, 25), (19, 24), (20, 23), (21, 22),
        (31, 35), (32, 34),
        (36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46),
        (48, 54), (49, 53), (50, 52), (55, 59), (56, 58),
        (60, 64), (61, 63), (65, 67));

    /// <summary>The WFLW 98-point layout: jaw 0–32, brows 33–50, nose 51–59, eyes 60–75, mouth 76–95, pupils 96–97.</summary>
    public static IReadOnlyList<int> Flip98 { get; } = Build(98,
        Enumerable.Range(0, 16).Select(i => (i, 32 - i))
            .Concat([
                (33, 46), (34, 45), (35, 44), (36, 43), (37, 42), (38, 50), (39, 49), (40, 48), (41, 47),
                (55, 59), (56, 58),
                (60, 72), (61, 71), (62, 70), (63, 69), (64, 68), (65, 75), (66, 74), (67, 73),
                (76, 82), (77, 81), (78, 80), (83, 87), (84, 86),
                (88, 92), (89, 91), (93, 95),
                (96, 97),
            ]).ToArray());

    /// <summary>The mirror map of a layout with <paramref name="points"/> points (68 or 98).</summary>
    public static IReadOnlyList<int> FlipPermutation(int points) => points switch
    {
        68 => Flip68,
        98 => Flip98,
        _ => throw new ArgumentOutOfRangeException(nameof(points), points, $"no mirror map for a {points}-point layout; known layouts have 68 or 98 points"),
    };

    /// <summary>
    /// Mirrors points in place for an image <paramref name="width"/> pixels wide (x ↦ width − x, in
    /// the convention where pixel i spans [i, i + 1)) and reorders them with the layout's mirror map.
    /// </summary>
    /// <param name="points">Interleaved coordinates: (x, y) or (x, y, z) per point.</param>
    /// <param name="dimensions">2 or 3 values per point.</param>
    /// <param name="width">Image width in pixels.</param>
    public static void MirrorInPlace(Span<float> points, int dimensions, float width)
    {
        if (dimensions is not (2 or 3))
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "points have 2 or 3 coordinates");
        if (points.Length % dimensions != 0)
            throw new ArgumentException($"{points.Length} values are not whole {dimensions}-D points", nameof(points));
        var count = points.Length / dimensions;
        var map = FlipPermutation(count);
        Span<float> copy = count * dimensions <= 512 ? stackalloc float[count * dimensions] : new float[count * dimensions];
        points.CopyTo(copy);
        for (var i = 0; i < count; i++)
        {
            var source = map[i] * dimensions;
            points[i * dimensions] = width - copy[source];
            points[(i * dimensions) + 1] = copy[source + 1];
            if (dimensions == 3)
                points[(i * dimensions) + 2] = copy[source + 2];
        }
    }

    private static int[] Build(int points, params (int A, int B)[] pairs)
    {
        var map = Enumerable.Range(0, points).ToArray();
        foreach (var (a, b) in pairs)
        {
            if (map[a] != a || map[b] != b)
                throw new InvalidOperationException($"point {a} or {b} is paired twice in the {points}-point mirror map");
            map[a] = b;
            map[b] = a;
        }

        return map;
    }
}
