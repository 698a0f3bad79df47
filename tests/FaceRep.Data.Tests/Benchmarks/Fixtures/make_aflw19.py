#!/usr/bin/env python3
"""Writes a tiny AFLW-19 in the layout its 19-point release is read in: AFLWinfo_release.mat (scipy.io.savemat:
bbox N x 4 as left, right, top, bottom; data N x 38 as the 19 x then the 19 y; mask_new N x 19; nameList an N x 1
cell of image names; ra a 1-based permutation, 1 x N) and the images under data/flickr/{0,3}/ (PIL).
With 17 faces the release's proportion (20,000 of 24,386 train) keeps the first 14 of ra for training and
tests 3, one of them with an occluded point (not frontal). Faults: face 5's image is missing; face 9's box
is NaN. expected_aflw19.json gives each usable face's split, frontal flag, crop region (HRNet: centre of the
box in continuous coordinates, MATLAB's 1-based centres less 0.5, side max(w, h) x 1.25) and sqrt(w*h).
Run once with Debian's python3-scipy and python3-pil: /usr/bin/python3 make_aflw19.py
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
ROOT = os.path.join(HERE, "aflw19")
N = 17


def main():
    rng = random.Random(19)
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    bbox = np.zeros((N, 4))
    data = np.zeros((N, 38))
    mask = np.ones((N, 19))
    names = []
    for i in range(N):
        folder = "0" if i % 2 == 0 else "3"
        name = "%s/image%05d.jpg" % (folder, 100 + i)
        names.append(name)
        w, h = rng.randint(150, 200), rng.randint(140, 190)
        left, top = rng.uniform(20, 40), rng.uniform(15, 35)
        bw, bh = rng.uniform(60, 90), rng.uniform(70, 100)
        bbox[i] = [left, left + bw, top, top + bh]
        data[i, :19] = [rng.uniform(left, left + bw) for _ in range(19)]
        data[i, 19:] = [rng.uniform(top, top + bh) for _ in range(19)]
        if i != 4:
            os.makedirs(os.path.join(ROOT, "data", "flickr", folder), exist_ok=True)
            img = Image.new("RGB", (w, h), (rng.randint(0, 255), 70, 130))
            ImageDraw.Draw(img).ellipse([left, top, left + bw, top + bh], fill=(210, 170, 140))
            img.save(os.path.join(ROOT, "data", "flickr", name), quality=92)
    bbox[8] = [math.nan, math.nan, 10, 20]
    ra = list(range(1, N + 1))
    rng.shuffle(ra)
    train = N - round(N * 4386 / 24386)
    # One test face with an occluded point.
    mask[ra[train] - 1, 7] = 0
    nameList = np.empty((N, 1), dtype=object)
    for i, name in enumerate(names):
        nameList[i, 0] = name
    scipy.io.savemat(os.path.join(ROOT, "AFLWinfo_release.mat"),
                     {"bbox": bbox, "data": data, "mask_new": mask, "nameList": nameList, "ra": np.array([ra], dtype=float)})
    expected = {"faces": {}, "missing": 5, "nan_box": 9, "train": train}
    for k, r in enumerate(ra):
        i = r - 1
        if i in (4, 8):
            continue
        left, right, top, bottom = bbox[i] - 0.5
        side = max(right - left, bottom - top) * 1.25
        cx, cy = (left + right) / 2, (top + bottom) / 2
        expected["faces"][str(i + 1)] = {
            "split": "train" if k < train else "test",
            "frontal": k >= train and bool(mask[i].all()),
            "region": [cx - side / 2, cy - side / 2, side, side],
            "box_size": math.sqrt((right - left) * (bottom - top)),
            "name": names[i],
        }
    with open(os.path.join(HERE, "expected_aflw19.json"), "w") as out:
        json.dump(expected, out, indent=1)
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
