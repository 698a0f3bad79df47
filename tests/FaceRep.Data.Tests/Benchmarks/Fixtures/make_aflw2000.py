#!/usr/bin/env python3
"""Writes a tiny AFLW2000-3D with 300W-LP in their authors' layouts: AFLW2000/imageNNNNN.jpg beside a
MATLAB .mat (pt3d_68 3x68, Pose_Para 1x7, radians) and 300W_LP/{AFW,HELEN}/NAME.jpg with
300W_LP/landmarks/SUBSET/NAME_pts.mat (pts_3d 68x2); .mat files by scipy.io.savemat, JPEGs by PIL.
Faults: a test .mat whose pt3d_68 is 2x68, and a training landmark file without its image.
expected_aflw2000.json holds 3DDFA's crop region (the points' box squared on its longer side and
widened to its diagonal; continuous coordinates: a 1-based value v is at v - 0.5), the points in a
64-pixel crop and each test face's yaw bin, computed here independently of the code under test.
Run once with Debian's python3-scipy and python3-pil: /usr/bin/python3 make_aflw2000.py
"""
import json
import math
import os
import random
import shutil

import numpy as np
import scipy.io
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "aflw2000")
CROP = 64


def face(rng, w, h):
    cx, cy, s = w / 2 + rng.uniform(-8, 8), h / 2 + rng.uniform(-6, 6), rng.uniform(30, 45)
    return np.array([[round(cx + rng.uniform(-1, 1) * s, 3) for _ in range(68)], [round(cy + rng.uniform(-1, 1) * s, 3) for _ in range(68)]])


def image(rng, path, w, h, xy):
    img = Image.new("RGB", (w, h), (rng.randint(0, 255), 100, 120))
    ImageDraw.Draw(img).ellipse([xy[0].min() - 1, xy[1].min() - 1, xy[0].max() - 1, xy[1].max() - 1], fill=(220, 180, 150))
    img.save(path, quality=92)


def ddfa(xy):
    xs, ys = xy[0] - 0.5, xy[1] - 0.5
    l, t, r, b = xs.min(), ys.min(), xs.max(), ys.max()
    side = max(r - l, b - t) * math.sqrt(2)
    region = [(l + r) / 2 - side / 2, (t + b) / 2 - side / 2, side, side]
    s = side / CROP
    return region, [[(x - region[0]) / s, (y - region[1]) / s] for x, y in zip(xs, ys)]


def main():
    rng = random.Random(2000)
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    expected = {"faces": {}, "skipped": []}
    os.makedirs(os.path.join(ROOT, "AFLW2000"))
    for k, yaw in enumerate([10.0, -45.0, 75.0]):
        w, h = rng.randint(110, 140), rng.randint(100, 130)
        xy = face(rng, w, h)
        z = np.array([[round(rng.uniform(-20, 20), 3) for _ in range(68)]])
        name = "image%05d" % (k + 2)
        image(rng, os.path.join(ROOT, "AFLW2000", name + ".jpg"), w, h, xy)
        pose = np.array([[0.1, math.radians(yaw), -0.05, 60.0, 70.0, 0.0, 0.001]])
        scipy.io.savemat(os.path.join(ROOT, "AFLW2000", name + ".mat"), {"pt3d_68": np.vstack([xy, z]), "Pose_Para": pose, "roi": np.array([[1, 1, w, h]])})
        region, crop = ddfa(xy)
        expected["faces"]["AFLW2000/%s.mat" % name] = {"region": region, "crop64": crop, "bin": ["yaw0-30", "yaw30-60", "yaw60-90"][k]}
    # pt3d_68 of the wrong shape.
    image(rng, os.path.join(ROOT, "AFLW2000", "image00009.jpg"), 100, 100, face(rng, 100, 100))
    scipy.io.savemat(os.path.join(ROOT, "AFLW2000", "image00009.mat"), {"pt3d_68": np.zeros((2, 68)), "Pose_Para": np.zeros((1, 7))})
    expected["skipped"].append("AFLW2000/image00009.mat")
    for subset, names in (("AFW", ["AFW_134212_1_0", "AFW_134212_1_1"]), ("HELEN", ["HELEN_232194_1_0"])):
        os.makedirs(os.path.join(ROOT, "300W_LP", subset))
        os.makedirs(os.path.join(ROOT, "300W_LP", "landmarks", subset))
        for name in names:
            w, h = rng.randint(110, 140), rng.randint(100, 130)
            xy = face(rng, w, h)
            image(rng, os.path.join(ROOT, "300W_LP", subset, name + ".jpg"), w, h, xy)
            scipy.io.savemat(os.path.join(ROOT, "300W_LP", subset, name + ".mat"), {"Pose_Para": np.array([[0.0, 0.2, 0.0, 0, 0, 0, 1]])})
            scipy.io.savemat(os.path.join(ROOT, "300W_LP", "landmarks", subset, name + "_pts.mat"), {"pts_2d": xy.T, "pts_3d": xy.T})
            region, crop = ddfa(xy)
            expected["faces"]["300W_LP/landmarks/%s/%s_pts.mat" % (subset, name)] = {"region": region, "crop64": crop}
    scipy.io.savemat(os.path.join(ROOT, "300W_LP", "landmarks", "AFW", "AFW_999_1_0_pts.mat"), {"pts_3d": np.zeros((68, 2))})
    expected["skipped"].append("300W_LP/landmarks/AFW/AFW_999_1_0_pts.mat")
    with open(os.path.join(HERE, "expected_aflw2000.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
