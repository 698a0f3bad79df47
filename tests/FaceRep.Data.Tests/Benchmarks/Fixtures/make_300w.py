#!/usr/bin/env python3
"""Writes a tiny 300W in ibug's layout (afw, helen/{trainset,testset}, lfpw/{trainset,testset}, ibug):
JPEG/PNG images by PIL and 68-point .pts files by hand, with the faults an import must name: a .pts of
67 points, a .pts without its image, and an AFW image with two faces (NAME_1.pts, NAME_2.pts).
It also writes expected_300w.json: for each usable face, HRNet's crop region (centre of the points'
box, side max(w, h) * 1.25, in continuous coordinates: a 1-based .pts value v is at v - 0.5) and the
points in a 64-pixel crop, computed here independently of the code under test.
Run once with Debian's python3-pil: /usr/bin/python3 make_300w.py
"""
import json
import math
import os
import random
import shutil

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "300w")
CROP = 64


def template():
    pts = []
    for i in range(17):  # jaw
        a = math.pi * (i / 16.0)
        pts.append((-math.cos(a) * 0.5, 0.05 + math.sin(a) * 0.55))
    for side in (-1, 1):  # brows 17-21 (image left) then 22-26
        for i in range(5):
            x = -0.38 + 0.07 * i if side < 0 else 0.10 + 0.07 * i
            pts.append((x, -0.28 - 0.04 * math.sin(math.pi * i / 4)))
    for i in range(4):  # nose bridge 27-30
        pts.append((0.0, -0.18 + 0.08 * i))
    for i in range(5):  # nostrils 31-35
        pts.append((-0.1 + 0.05 * i, 0.16 + 0.02 * (1 - abs(i - 2) / 2)))
    for cx in (-0.22, 0.22):  # eyes 36-41, 42-47
        for i in range(6):
            a = 2 * math.pi * i / 6
            pts.append((cx - 0.08 * math.cos(a), -0.12 - 0.03 * math.sin(a)))
    for i in range(12):  # outer mouth 48-59
        a = 2 * math.pi * i / 12
        pts.append((-0.2 * math.cos(a), 0.33 - 0.08 * math.sin(a)))
    for i in range(8):  # inner mouth 60-67
        a = 2 * math.pi * i / 8
        pts.append((-0.12 * math.cos(a), 0.33 - 0.03 * math.sin(a)))
    assert len(pts) == 68
    return pts


def face_points(rng, cx, cy, scale):
    # Rounded as the .pts file stores them, so the expected values start from what the reader reads.
    return [(round(cx + x * scale + rng.uniform(-1, 1), 3), round(cy + y * scale + rng.uniform(-1, 1), 3)) for x, y in template()]


def draw(img, pts):
    d = ImageDraw.Draw(img)
    xs, ys = [p[0] - 1 for p in pts], [p[1] - 1 for p in pts]
    d.ellipse([min(xs), min(ys) - 10, max(xs), max(ys)], fill=(200, 160, 130))
    for x, y in zip(xs, ys):
        d.point((x, y), fill=(40, 20, 20))


def write_pts(path, pts, count=None):
    pts = pts if count is None else pts[:count]
    with open(path, "w") as f:
        f.write("version: 1\nn_points:  %d\n{\n" % len(pts))
        for x, y in pts:
            f.write("%.3f %.3f\n" % (x, y))
        f.write("}\n")


def hrnet_region(pts):
    xs, ys = [p[0] - 0.5 for p in pts], [p[1] - 0.5 for p in pts]
    side = max(max(xs) - min(xs), max(ys) - min(ys)) * 1.25
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    return [cx - side / 2, cy - side / 2, side, side]


def main():
    rng = random.Random(300)
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    expected = {"faces": {}, "skipped": {}}
    layout = [("afw", 2, ".jpg"), ("helen/trainset", 3, ".jpg"), ("lfpw/trainset", 2, ".png"),
              ("helen/testset", 2, ".jpg"), ("lfpw/testset", 2, ".png"), ("ibug", 2, ".jpg")]
    for folder, count, ext in layout:
        os.makedirs(os.path.join(ROOT, folder))
        for k in range(count):
            w, h = rng.randint(110, 150), rng.randint(100, 140)
            stem = "%s_%d" % (folder.replace("/", "_"), k)
            img = Image.new("RGB", (w, h), (rng.randint(0, 255), 90, 120))
            faces = []
            if folder == "afw" and k == 0:  # two faces in one image: NAME_1.pts, NAME_2.pts beside NAME.jpg
                for n, cx in ((1, w * 0.3), (2, w * 0.72)):
                    pts = face_points(rng, cx, h * 0.5, 28)
                    draw(img, pts)
                    faces.append(("%s_%d.pts" % (stem, n), pts))
            else:
                pts = face_points(rng, w * 0.5 + rng.uniform(-8, 8), h * 0.5, rng.uniform(40, 55))
                draw(img, pts)
                faces.append((stem + ".pts", pts))
            img.save(os.path.join(ROOT, folder, stem + ext), quality=92) if ext == ".jpg" else img.save(os.path.join(ROOT, folder, stem + ext))
            for name, pts in faces:
                rel = folder + "/" + name
                if folder == "helen/trainset" and k == 2:
                    write_pts(os.path.join(ROOT, folder, name), pts, count=67)
                    expected["skipped"][rel] = "67"
                    continue
                write_pts(os.path.join(ROOT, folder, name), pts)
                region = hrnet_region(pts)
                s = region[2] / CROP
                crop = [[(x - 0.5 - region[0]) / s, (y - 0.5 - region[1]) / s] for x, y in pts]
                expected["faces"][rel] = {"region": region, "crop64": crop, "points0": [[x - 1, y - 1] for x, y in pts]}
    # A .pts whose image is missing.
    orphan = face_points(rng, 60, 60, 40)
    write_pts(os.path.join(ROOT, "lfpw/trainset/orphan.pts"), orphan)
    expected["skipped"]["lfpw/trainset/orphan.pts"] = "no image"
    with open(os.path.join(HERE, "expected_300w.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
