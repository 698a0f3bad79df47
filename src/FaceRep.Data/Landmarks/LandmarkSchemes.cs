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

    /// <summary>AFLW's 19-point layout, as HRNet mirrors it: brows 0–5, eyes 6–11, nose 12–14, mouth 15–17, chin 18.</summary>
    public static IReadOnlyList<int> Flip19 { get; } = Build(19, (0, 5), (1, 4), (2, 3), (6, 11), (7, 10), (8, 9), (12, 14), (15, 17));

    /// <summary>COFW's 29-point layout, as HRNet mirrors it (its <c>MATCHED_PARTS</c>, 0-based).</summary>
    public static IReadOnlyList<int> Flip29 { get; } = Build(29,
        (0, 1), (4, 6), (2, 3), (5, 7), (8, 9), (10, 11), (12, 14), (16, 17), (13, 15), (18, 19), (22, 23));

    /// <summary>
    /// The 98 points of WFLW's layout made from the 68 of iBUG's (x, y per point): the jaw's midpoints added,
    /// each brow's lower contour set below its upper one, two points added to each eye, the pupils at the
    /// eyes' centres. The mirror map of one is that of the other (SynthFace's faces in WFLW's layout).
    /// </summary>
    public static float[] Wflw98From68(ReadOnlySpan<float> p68)
    {
        if (p68.Length != 136)
            throw new ArgumentException($"{p68.Length} values are not 68 (x, y) points", nameof(p68));
        var points = new (float X, float Y)[68];
        for (var i = 0; i < 68; i++)
            points[i] = (p68[2 * i], p68[(2 * i) + 1]);
        (float X, float Y) Mid(int a, int b) => ((points[a].X + points[b].X) / 2, (points[a].Y + points[b].Y) / 2);
        var browDrop = 0.04f * Math.Abs(points[16].X - points[0].X);
        (float X, float Y) Below(int a, int b) => (Mid(a, b).X, Mid(a, b).Y + browDrop);
        (float X, float Y) Centre(int first) => (Enumerable.Range(first, 6).Average(i => points[i].X), Enumerable.Range(first, 6).Average(i => points[i].Y));
        var w = new List<(float X, float Y)>(98);
        for (var k = 0; k < 16; k++)
        {
            w.Add(points[k]);
            w.Add(Mid(k, k + 1));
        }

        w.Add(points[16]);
        w.AddRange([points[17], points[18], points[19], points[20], points[21], Below(21, 20), Below(20, 19), Below(19, 18), Below(18, 17)]);
        w.AddRange([points[22], points[23], points[24], points[25], points[26], Below(25, 26), Below(24, 25), Below(23, 24), Below(22, 23)]);
        w.AddRange(Enumerable.Range(27, 9).Select(i => points[i]));
        w.AddRange([points[36], points[37], Mid(37, 38), points[38], points[39], points[40], Mid(40, 41), points[41]]);
        w.AddRange([points[42], points[43], Mid(43, 44), points[44], points[45], points[46], Mid(46, 47), points[47]]);
        w.AddRange(Enumerable.Range(48, 20).Select(i => points[i]));
        w.AddRange([Centre(36), Centre(42)]);
        return [.. w.SelectMany(p => new[] { p.X, p.Y })];
    }

    /// <summary>The mirror map of a layout with <paramref name="points"/> points (19, 29, 68 or 98).</summary>
    public static IReadOnlyList<int> FlipPermutation(int points) => points switch
    {
        19 => Flip19,
        29 => Flip29,
        68 => Flip68,
        98 => Flip98,
        _ => throw new ArgumentOutOfRangeException(nameof(points), points, $"no mirror map for a {points}-point layout; known layouts have 19, 29, 68 or 98 points"),
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
