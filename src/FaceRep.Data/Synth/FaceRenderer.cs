// Over 400 lines: one face's rendering, geometry to shading to features and occluders, in
// drawing order.
using System.Numerics;

namespace FaceRep.Data.Synth;

/// <summary>Rotates the head's points about the neck and projects them with a mild perspective into pixels.</summary>
internal readonly struct Projector(Matrix4x4 rotation, float scale, Vector2 offset)
{
    private const float CameraDistance = 7f;

    /// <summary>The point the head turns about, near the top of the neck.</summary>
    private static readonly Vector3 Pivot = new(0f, 0.6f, -0.8f);

    public static Projector Create(float yaw, float pitch, float roll) =>
        new(Matrix4x4.CreateFromYawPitchRoll(yaw, pitch, roll), 1f, Vector2.Zero);

    public Projector Placed(float newScale, Vector2 newOffset) => new(rotation, newScale, newOffset);

    public Projector Turned(float yaw, float pitch, float roll) =>
        new(Matrix4x4.CreateFromYawPitchRoll(yaw, pitch, roll), scale, offset);

    public Vector2 Project(Vector3 p) => Project(p, out _);

    /// <summary>
    /// Projects a point and reports its depth: the distance behind the pivot's plane (away from the camera),
    /// scaled like x and y at that point.
    /// </summary>
    public Vector2 Project(Vector3 p, out float depth)
    {
        var q = Vector3.Transform(p - Pivot, rotation);
        var w = scale * CameraDistance / (CameraDistance - q.Z);
        depth = -w * q.Z;
        return offset + (w * new Vector2(q.X, q.Y));
    }
}

/// <summary>Which streams a dataset's scenes and identities come from, and where its identity labels start.</summary>
internal readonly record struct SynthSource(ulong Scenes, ulong Identities, int IdentityOffset)
{
    /// <summary>Scenes and identities from one stream, identities labelled from 0.</summary>
    public static SynthSource Of(ulong stream) => new(stream, stream, 0);
}

/// <summary>Renders one SynthFace sample: background, head (hair, ears, neck, clothes, skin) and the facial features at their landmarks.</summary>
internal static class FaceRenderer
{
    private const int Points = FaceModel.PointCount;

    /// <summary>The identity <see cref="Render"/> gives sample <paramref name="index"/>, without rendering it.</summary>
    public static int IdentityOf(SynthFaceOptions options, SynthProfile profile, SynthSource source, int index)
    {
        var scene = index / Math.Max(1, profile.ClipLength);
        var frameRng = SynthRandom.For(options.Seed, source.Scenes, SynthStreams.Frame, index);
        if (frameRng.Chance(profile.DistractorRate))
            return -1;
        return profile.Labelled ? source.IdentityOffset + (scene % options.Identities) : -1;
    }

    public static FaceSample Render(SynthFaceOptions options, SynthProfile profile, SynthSource source, int index)
    {
        var size = options.Resolution;
        // The backdrop paints every pixel first, so the buffer need not start cleared.
        var pixels = GC.AllocateUninitializedArray<float>(3 * size * size);
        var landmarks = new float[2 * Points];
        var landmarks3D = new float[3 * Points];
        var units = new float[FacialActions.Count];
        var canvas = new Canvas(pixels, size);

        var clipLength = Math.Max(1, profile.ClipLength);
        var scene = index / clipLength;
        var frame = index % clipLength;
        var stream = source.Scenes;
        var frameRng = SynthRandom.For(options.Seed, stream, SynthStreams.Frame, index);
        var backgroundRng = SynthRandom.For(options.Seed, stream, SynthStreams.Background, scene);
        var sceneRng = SynthRandom.For(options.Seed, stream, SynthStreams.Scene, scene);

        Backdrop.Draw(canvas, ref backgroundRng, profile.ClutterRate);
        var emotion = profile.Expressions == ExpressionSource.Emotions ? BalancedEmotion(options.Seed, stream, scene) : -1;
        var shot = Shot.Draw(ref sceneRng, profile, frame, emotion);

        if (frameRng.Chance(profile.DistractorRate))
        {
            Backdrop.Shapes(canvas, ref frameRng, 3 + frameRng.NextInt(6), true);
            Effects.Blur(pixels, size, shot.BlurPasses);
            Effects.Noise(pixels, ref frameRng, shot.Noise);
            Effects.Finish(pixels, size, shot.Contrast, shot.Exposure, shot.Tint, shot.Grayscale);
            return new FaceSample
            {
                Resolution = size,
                Pixels = pixels,
                Landmarks = landmarks,
                Identity = -1,
                Landmarks3D = landmarks3D,
                ActionUnits = units,
            };
        }

        var identity = profile.Labelled ? source.IdentityOffset + (scene % options.Identities) : -1;
        var personKey = profile.Labelled ? (long)identity : (long)(sceneRng.NextULong() >> 1);
        var personRng = SynthRandom.For(options.Seed, source.Identities, SynthStreams.Identity, personKey);
        var person = Person.Draw(ref personRng);

        var (faceCentre, faceSize) = DrawHead(canvas, person, shot, profile, landmarks, landmarks3D);

        if (shot.Occluders > 0)
        {
            Effects.Occlude(canvas, ref frameRng, shot.Occluders, faceCentre, faceSize);
        }

        Effects.Blur(pixels, size, shot.BlurPasses);
        Effects.Noise(pixels, ref frameRng, shot.Noise);
        Effects.Finish(pixels, size, shot.Contrast, shot.Exposure, shot.Tint, shot.Grayscale);
        for (var unit = 0; unit < units.Length; unit++)
        {
            units[unit] = shot.Expression.Intensity(unit);
        }

        const float Degrees = 180f / MathF.PI;
        return new FaceSample
        {
            Resolution = size,
            Pixels = pixels,
            Landmarks = landmarks,
            Identity = identity,
            Landmarks3D = landmarks3D,
            ActionUnits = units,
            Emotion = emotion,
            Valence = shot.Valence,
            Arousal = shot.Arousal,
            Yaw = shot.Yaw * Degrees,
            Pitch = shot.Pitch * Degrees,
            Roll = shot.Roll * Degrees,
        };
    }

    /// <summary>
    /// The emotion of a scene: every run of eight consecutive scenes holds each class once, in an order drawn
    /// for that run, so classes stay balanced in any prefix and are not tied to identities.
    /// </summary>
    private static int BalancedEmotion(int seed, ulong stream, int scene)
    {
        const int Classes = Affect.EmotionCount;
        var rng = SynthRandom.For(seed, stream, SynthStreams.Emotion, scene / Classes);
        Span<int> order = stackalloc int[Classes];
        for (var i = 0; i < Classes; i++)
        {
            order[i] = i;
        }

        for (var i = Classes - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order[scene % Classes];
    }

    /// <summary>Draws the head and writes its landmarks; returns the face's centre and width in pixels.</summary>
    private static (Vector2 Centre, float Size) DrawHead(Canvas canvas, in Person person, in Shot shot, SynthProfile profile, Span<float> landmarks, Span<float> landmarks3D)
    {
        var size = canvas.Size;
        Span<Vector3> shape = stackalloc Vector3[Points];
        FaceModel.Build(person.Shape, shot.Expression, shape);

        // Project at unit scale, then place: scale from the face size, centre from the shift, and for
        // profiles that keep landmarks inside, shrink and slide until they are.
        var head = Projector.Create(shot.Yaw, shot.Pitch, shot.Roll);
        Span<Vector2> lm = stackalloc Vector2[Points];
        Span<float> depth = stackalloc float[Points];
        for (var i = 0; i < Points; i++)
        {
            lm[i] = head.Project(shape[i], out depth[i]);
        }

        var (min, max) = Geometry.Bounds(lm);
        var extent = max - min;
        var scale = shot.Size * size / 2f;
        var target = new Vector2(size * (0.5f + shot.Shift.X), size * (0.58f + shot.Shift.Y));
        const float margin = 1f;
        if (profile.KeepInside)
        {
            var room = size - (2f * margin);
            scale = MathF.Min(scale, MathF.Min(room / extent.X, room / extent.Y));
        }

        var offset = target - (scale * 0.5f * (min + max));
        if (profile.KeepInside)
        {
            offset.X = ClampOrCentre(offset.X, margin - (scale * min.X), size - margin - (scale * max.X));
            offset.Y = ClampOrCentre(offset.Y, margin - (scale * min.Y), size - margin - (scale * max.Y));
        }

        head = head.Placed(scale, offset);
        var meanDepth = 0f;
        for (var i = 0; i < Points; i++)
        {
            meanDepth += depth[i];
        }

        meanDepth /= Points;
        for (var i = 0; i < Points; i++)
        {
            lm[i] = offset + (scale * lm[i]);
            landmarks[2 * i] = lm[i].X;
            landmarks[(2 * i) + 1] = lm[i].Y;
            landmarks3D[3 * i] = lm[i].X;
            landmarks3D[(3 * i) + 1] = lm[i].Y;
            landmarks3D[(3 * i) + 2] = scale * (depth[i] - meanDepth);
        }

        // Skin outline: the convex hull of every landmark (so turned faces keep their features on skin),
        // the forehead up to a rounded hairline, and the temples.
        Span<Vector2> buffer = stackalloc Vector2[Canvas.MaxPolygon];
        Span<Vector2> skinHull = stackalloc Vector2[Canvas.MaxPolygon];
        lm.CopyTo(buffer);
        var n = Points;
        var hairline = person.Hairline;
        var foreheadHalfWidth = 0.92f * SkullHalfWidth(hairline + 0.2f);
        for (var j = 0; j < 7; j++)
        {
            var t = (j / 3f) - 1f;
            if (FaceModel.OnSkullFront(foreheadHalfWidth * t, hairline + (0.2f * t * t)) is { } p)
            {
                buffer[n++] = head.Project(p);
            }
        }

        var templeY = 0.5f * hairline;
        var templeX = 0.96f * SkullHalfWidth(templeY);
        foreach (var side in (ReadOnlySpan<float>)[-1f, 1f])
        {
            if (FaceModel.OnSkullFront(side * templeX, templeY) is { } p)
            {
                buffer[n++] = head.Project(p);
            }
        }

        var skinCount = Geometry.ConvexHull(buffer[..n], skinHull);
        var skin = skinHull[..skinCount];
        var (skinMin, skinMax) = Geometry.Bounds(skin);
        var skinPaint = new SpherePaint(
            person.Skin, 1f, 0.5f * (skinMin + skinMax), 0.52f * (skinMax - skinMin), shot.Light, shot.Ambient, shot.Diffuse);

        DrawSkull(canvas, person, head, skinPaint, buffer);
        if (!person.Bald)
        {
            DrawHair(canvas, person, shot, head, buffer);
        }

        if (person.Bald || person.HairEnd < 0.5f)
        {
            DrawEars(canvas, person, shot, head, skinPaint, buffer);
        }

        DrawNeckAndClothes(canvas, person, shot, head, buffer);
        canvas.FillPolygon(skin, skinPaint);

        if (person.BeardAlpha > 0f)
        {
            DrawBeard(canvas, person, skinPaint, lm, buffer);
        }

        DrawBrows(canvas, person, skinPaint, lm, scale, buffer);
        DrawEye(canvas, person, shot.Expression, skinPaint, lm.Slice(36, 6), scale);
        DrawEye(canvas, person, shot.Expression, skinPaint, lm.Slice(42, 6), scale);
        DrawNose(canvas, person, shot, skinPaint, lm, scale, buffer);
        DrawMouth(canvas, person, skinPaint, lm, scale, buffer);

        return (0.5f * (skinMin + skinMax), skinMax.X - skinMin.X);
    }

    /// <summary>Clamps to [lo, hi], or takes the middle when rounding has left hi a hair below lo.</summary>
    private static float ClampOrCentre(float value, float lo, float hi) =>
        hi >= lo ? Math.Clamp(value, lo, hi) : 0.5f * (lo + hi);

    private static float SkullHalfWidth(float y)
    {
        var r = FaceModel.HeadRadii;
        var dy = (y - FaceModel.HeadCentre.Y) / r.Y;
        return r.X * MathF.Sqrt(MathF.Max(0f, 1f - (dy * dy)));
    }

    /// <summary>The whole skull in skin: what the hair leaves bare around the ears and behind the jaw.</summary>
    private static void DrawSkull(Canvas canvas, in Person person, in Projector head, in SpherePaint skinPaint, Span<Vector2> buffer)
    {
        var c = FaceModel.HeadCentre;
        var r = FaceModel.HeadRadii;
        var n = 0;
        buffer[n++] = head.Project(c - new Vector3(0f, r.Y, 0f));
        for (var ring = 1; ring <= 7; ring++)
        {
            var (sinPhi, cosPhi) = MathF.SinCos(ring * 20f * MathF.PI / 180f);
            for (var k = 0; k < 12; k++)
            {
                var (sinTheta, cosTheta) = MathF.SinCos(k * MathF.PI / 6f);
                buffer[n++] = head.Project(c + new Vector3(r.X * sinPhi * cosTheta, -r.Y * cosPhi, r.Z * sinPhi * sinTheta));
            }
        }

        Span<Vector2> hull = stackalloc Vector2[Canvas.MaxPolygon];
        var count = Geometry.ConvexHull(buffer[..n], hull);
        var (min, max) = Geometry.Bounds(hull[..count]);
        var centre = 0.5f * (min + max);
        canvas.FillPolygon(hull[..count], new SolidPaint(person.Skin * 0.85f * skinPaint.Light(centre.X, centre.Y), 1f));
    }

    private static void DrawHair(Canvas canvas, in Person person, in Shot shot, in Projector head, Span<Vector2> buffer)
    {
        var c = FaceModel.HeadCentre;
        var r = FaceModel.HeadRadii * person.HairVolume;
        var n = 0;
        buffer[n++] = head.Project(c - new Vector3(0f, r.Y, 0f));
        for (var ring = 1; ring <= 7; ring++)
        {
            var (sinPhi, cosPhi) = MathF.SinCos(ring * 20f * MathF.PI / 180f);
            for (var k = 0; k < 12; k++)
            {
                var (sinTheta, cosTheta) = MathF.SinCos(k * MathF.PI / 6f);
                var p = c + new Vector3(r.X * sinPhi * cosTheta, -r.Y * cosPhi, r.Z * sinPhi * sinTheta);
                var limit = sinTheta > 0.35f ? person.Hairline + 0.05f : person.HairEnd;
                if (p.Y <= limit)
                {
                    buffer[n++] = head.Project(p);
                }
            }
        }

        if (person.HairEnd > 1.3f)
        {
            foreach (var side in (ReadOnlySpan<float>)[-1f, 1f])
            {
                buffer[n++] = head.Project(new Vector3(side * (r.X + 0.15f), person.HairEnd, c.Z - 0.3f));
                buffer[n++] = head.Project(new Vector3(side * (r.X + 0.05f), person.HairEnd, c.Z + 0.35f));
            }
        }

        Span<Vector2> hull = stackalloc Vector2[Canvas.MaxPolygon];
        var count = Geometry.ConvexHull(buffer[..n], hull);
        var (min, max) = Geometry.Bounds(hull[..count]);
        var paint = new SpherePaint(person.Hair, 1f, 0.5f * (min + max), 0.5f * (max - min), shot.Light, shot.Ambient, shot.Diffuse * 1.1f);
        canvas.FillPolygon(hull[..count], paint);
    }

    private static void DrawEars(Canvas canvas, in Person person, in Shot shot, in Projector head, in SpherePaint skinPaint, Span<Vector2> buffer)
    {
        Span<Vector2> hull = stackalloc Vector2[12];
        foreach (var side in (ReadOnlySpan<float>)[-1f, 1f])
        {
            for (var k = 0; k < 10; k++)
            {
                var (sin, cos) = MathF.SinCos(k * MathF.PI / 5f);
                var flare = 0.5f + (0.5f * MathF.Max(0f, -cos));
                buffer[k] = head.Project(new Vector3(side * (0.98f + (0.13f * flare)), 0.22f + (0.27f * sin), -0.78f + (0.16f * cos)));
            }

            var count = Geometry.ConvexHull(buffer[..10], hull);
            var (min, max) = Geometry.Bounds(hull[..count]);
            var centre = 0.5f * (min + max);
            var colour = person.Skin * 0.9f * skinPaint.Light(centre.X, centre.Y);
            canvas.FillPolygon(hull[..count], new SpherePaint(colour, 1f, centre, 0.5f * (max - min), shot.Light, 0.75f, 0.3f));
        }
    }

    private static void DrawNeckAndClothes(Canvas canvas, in Person person, in Shot shot, in Projector head, Span<Vector2> buffer)
    {
        var neck = head.Turned(0.35f * shot.Yaw, 0.3f * shot.Pitch, 0.5f * shot.Roll);
        buffer[0] = neck.Project(new Vector3(-0.5f, 0.9f, -0.85f));
        buffer[1] = neck.Project(new Vector3(0.5f, 0.9f, -0.85f));
        buffer[2] = neck.Project(new Vector3(0.58f, 2.6f, -0.9f));
        buffer[3] = neck.Project(new Vector3(-0.58f, 2.6f, -0.9f));
        var neckLight = shot.Ambient + (0.5f * shot.Diffuse * MathF.Max(0f, shot.Light.Z));
        canvas.FillPolygon(buffer[..4], new SolidPaint(person.Skin * 0.72f * neckLight, 1f));

        var torso = head.Turned(0.15f * shot.Yaw, 0f, 0.25f * shot.Roll);
        ReadOnlySpan<Vector2> outline =
        [
            new(-0.5f, 2.05f), new(-1.7f, 2.4f), new(-2.6f, 3.2f), new(-2.8f, 5f),
            new(2.8f, 5f), new(2.6f, 3.2f), new(1.7f, 2.4f), new(0.5f, 2.05f), new(0f, 2.55f),
        ];
        for (var i = 0; i < outline.Length; i++)
        {
            buffer[i] = torso.Project(new Vector3(outline[i], -0.9f));
        }

        var clothes = buffer[..outline.Length];
        var (min, max) = Geometry.Bounds(clothes);
        canvas.FillPolygon(clothes, new SpherePaint(shot.Clothing, 1f, 0.5f * (min + max), 0.5f * (max - min), shot.Light, shot.Ambient, shot.Diffuse));
    }

    private static void DrawBeard(Canvas canvas, in Person person, in SpherePaint skinPaint, ReadOnlySpan<Vector2> lm, Span<Vector2> buffer)
    {
        // Along the jaw, up the cheeks towards the mouth corners, and a moustache under the nose.
        var n = 0;
        for (var i = 3; i <= 13; i++)
        {
            buffer[n++] = lm[i];
        }

        buffer[n++] = Vector2.Lerp(lm[13], lm[54], 0.55f);
        buffer[n++] = Vector2.Lerp(lm[54], lm[35], 0.45f);
        buffer[n++] = Vector2.Lerp(lm[33], lm[51], 0.25f);
        buffer[n++] = Vector2.Lerp(lm[48], lm[31], 0.45f);
        buffer[n++] = Vector2.Lerp(lm[3], lm[48], 0.55f);
        var centre = lm[57];
        canvas.FillPolygon(buffer[..n], new SolidPaint(person.Beard * skinPaint.Light(centre.X, centre.Y), person.BeardAlpha));
    }

    private static void DrawBrows(Canvas canvas, in Person person, in SpherePaint skinPaint, ReadOnlySpan<Vector2> lm, float scale, Span<Vector2> buffer)
    {
        Span<float> thickness = stackalloc float[5];
        for (var brow = 0; brow < 2; brow++)
        {
            var points = lm.Slice(17 + (5 * brow), 5);
            for (var i = 0; i < 5; i++)
            {
                var fromOuter = brow == 0 ? i : 4 - i;
                thickness[i] = MathF.Max(0.8f, person.BrowThickness * scale * (0.55f + (0.45f * fromOuter / 4f)));
            }

            var outline = buffer[..10];
            Geometry.Band(points, thickness, outline);
            var centre = points[2];
            canvas.FillPolygon(outline, new SolidPaint(person.Brow * skinPaint.Light(centre.X, centre.Y), 0.92f));
        }
    }

    private static void DrawEye(Canvas canvas, in Person person, in Expression expression, in SpherePaint skinPaint, ReadOnlySpan<Vector2> eye, float scale)
    {
        var width = Vector2.Distance(eye[0], eye[3]);
        var opening = 0.5f * (Vector2.Distance(eye[1], eye[5]) + Vector2.Distance(eye[2], eye[4]));
        var centre = 0.25f * (eye[1] + eye[2] + eye[4] + eye[5]);
        var light = skinPaint.Light(centre.X, centre.Y);
        var lash = new Vector3(0.07f, 0.05f, 0.045f);
        if (opening > 0.25f && width > 0.5f)
        {
            var axis = (eye[3] - eye[0]) / width;
            var across = new Vector2(-axis.Y, axis.X);
            var irisCentre = centre + (axis * (expression.GazeX * 0.2f * width)) + (across * (expression.GazeY * 0.25f * opening));
            var sclera = new Vector3(0.93f, 0.91f, 0.87f) * MathF.Min(1.1f, light + 0.15f);
            canvas.FillPolygon(eye, new EyePaint(sclera, person.Iris * light, irisCentre, MathF.Max(0.6f, 0.23f * width)));
        }

        var lid = MathF.Max(0.7f, 0.04f * scale);
        canvas.Stroke(eye[..4], lid, lash * light, 0.85f);
        Span<Vector2> lower = [eye[3], eye[4], eye[5], eye[0]];
        canvas.Stroke(lower, 0.6f * lid, person.Skin * 0.55f * light, opening > 0.25f ? 0.35f : 0.6f);
    }

    private static void DrawNose(Canvas canvas, in Person person, in Shot shot, in SpherePaint skinPaint, ReadOnlySpan<Vector2> lm, float scale, Span<Vector2> buffer)
    {
        var tip = lm[30];
        var light = skinPaint.Light(tip.X, tip.Y);
        var shade = person.Skin * 0.5f * light;
        var across = MathF.Sign(shot.Light.X) is 0 ? 1f : -MathF.Sign(shot.Light.X);
        var side = new Vector2(across * 0.07f * scale, 0f);
        for (var i = 0; i < 4; i++)
        {
            buffer[i] = lm[27 + i] + (side * (0.3f + (0.7f * i / 3f)));
        }

        canvas.Stroke(buffer[..4], MathF.Max(0.7f, 0.06f * scale), shade, 0.3f);
        canvas.Stroke(lm.Slice(31, 5), MathF.Max(0.7f, 0.045f * scale), shade, 0.6f);

        var baseline = lm[35] - lm[31];
        var angle = MathF.Atan2(baseline.Y, baseline.X);
        var nostril = new SolidPaint(new Vector3(0.14f, 0.07f, 0.06f) * light, 0.75f);
        var rx = MathF.Max(0.5f, 0.05f * scale);
        var ry = MathF.Max(0.35f, 0.028f * scale);
        canvas.FillEllipse(Vector2.Lerp(lm[31], lm[32], 0.55f), rx, ry, angle, nostril);
        canvas.FillEllipse(Vector2.Lerp(lm[35], lm[34], 0.55f), rx, ry, angle, nostril);

        var highlight = Vector3.Min(person.Skin * 1.25f * light, Vector3.One);
        canvas.FillEllipse(tip - new Vector2(0f, 0.03f * scale), MathF.Max(0.5f, 0.06f * scale), MathF.Max(0.5f, 0.05f * scale), 0f, new SolidPaint(highlight, 0.3f));
    }

    private static void DrawMouth(Canvas canvas, in Person person, in SpherePaint skinPaint, ReadOnlySpan<Vector2> lm, float scale, Span<Vector2> buffer)
    {
        var centre = 0.5f * (lm[62] + lm[66]);
        var light = skinPaint.Light(centre.X, centre.Y);
        canvas.FillPolygon(lm.Slice(48, 12), new SolidPaint(person.Lip * light, 1f));

        var opening = Vector2.Distance(lm[62], lm[66]);
        if (opening > 0.35f)
        {
            canvas.FillPolygon(lm.Slice(60, 8), new SolidPaint(new Vector3(0.16f, 0.05f, 0.05f) * light, 1f));
            if (opening > 1f)
            {
                for (var i = 0; i < 5; i++)
                {
                    buffer[i] = lm[60 + i];
                }

                buffer[5] = Vector2.Lerp(lm[63], lm[65], 0.35f);
                buffer[6] = Vector2.Lerp(lm[62], lm[66], 0.35f);
                buffer[7] = Vector2.Lerp(lm[61], lm[67], 0.35f);
                canvas.FillPolygon(buffer[..8], new SolidPaint(new Vector3(0.88f, 0.86f, 0.8f) * light, 1f));
            }
        }

        canvas.Stroke(lm.Slice(60, 5), MathF.Max(0.6f, 0.03f * scale), new Vector3(0.25f, 0.08f, 0.08f) * light, 0.75f);
    }
}
