#!/usr/bin/env python3
"""Writes a tiny IJB-B in the layout insightface's IJB evaluation reads (IJBB/meta/ijbb_face_tid_mid.txt,
ijbb_template_pair_label.txt and ijbb_name_5pts_score.txt written by hand; IJBB/loose_crop/N.jpg by PIL) with
training people beside it (train/<Name>/*.jpg by PIL, train/five_points.txt by hand).
Faults: 7.jpg has no image; 8.jpg has no five points; template 4's only face is 7.jpg, so the pairs naming it
are left out. expected_ijbb.json holds, for each usable test face, its template, media, score and the
similarity aligning its five points to ArcFace's 112 x 112 template as scikit-image estimates it
(SimilarityTransform.estimate, which insightface's norm_crop uses), and the pairs that stay.
Also writes alignment_reference.json: skimage's estimates for a few point sets.
Run once with Debian's python3-pil, python3-numpy and python3-skimage: /usr/bin/python3 make_ijbb.py
"""
import json
import os
import random
import shutil

import numpy as np
from PIL import Image, ImageDraw
from skimage.transform import SimilarityTransform

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "ijbb")
ARCFACE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]])


def face(rng, w, h):
    cx, cy, s, angle = rng.uniform(0.4, 0.6) * w, rng.uniform(0.4, 0.6) * h, rng.uniform(0.5, 0.8) * min(w, h) / 112, rng.uniform(-0.4, 0.4)
    c, si = np.cos(angle) * s, np.sin(angle) * s
    pts = np.array([[c * (x - 56) - si * (y - 56) + cx, si * (x - 56) + c * (y - 56) + cy] for x, y in ARCFACE])
    return pts + np.array([[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(5)])


def draw(path, rng, pts, w, h):
    img = Image.new("RGB", (w, h), (rng.randint(0, 255), 90, 140))
    d = ImageDraw.Draw(img)
    for x, y in pts:
        d.ellipse([x - 2, y - 2, x + 2, y + 2], fill=(250, 250, 250))
    img.save(path, quality=92)


def estimate(pts):
    t = SimilarityTransform()
    t.estimate(pts, ARCFACE)
    m = t.params
    return [m[0, 0], m[1, 0], m[0, 2], m[1, 2]]


def main():
    rng = random.Random(11)
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(os.path.join(ROOT, "IJBB", "meta"))
    os.makedirs(os.path.join(ROOT, "IJBB", "loose_crop"))
    train_points = []
    for person in ["Ann_Train", "Bob_Train"]:
        os.makedirs(os.path.join(ROOT, "train", person))
        for n in range(1, 4):
            pts = face(rng, 120, 130)
            draw(os.path.join(ROOT, "train", person, "%04d.jpg" % n), rng, pts, 120, 130)
            train_points.append("%s/%04d.jpg %s" % (person, n, " ".join("%.3f %.3f" % (x, y) for x, y in pts)))
    with open(os.path.join(ROOT, "train", "five_points.txt"), "w") as out:
        out.write("\n".join(train_points) + "\n")
    # Faces 1-8: templates 1 (faces 1, 2: one media), 2 (3), 3 (4, 5, 6: two media), 4 (7: missing), 5 (8: no points).
    layout = [(1, 1, 10), (2, 1, 10), (3, 2, 20), (4, 3, 30), (5, 3, 30), (6, 3, 31), (7, 4, 40), (8, 5, 50)]
    faces, points, expected = [], [], {"faces": {}}
    for n, template, media in layout:
        w, h = rng.randint(110, 150), rng.randint(110, 150)
        pts = face(rng, w, h)
        score = round(rng.uniform(0.5, 1.0), 4)
        faces.append("%d.jpg %d %d" % (n, template, media))
        if n != 7:
            draw(os.path.join(ROOT, "IJBB", "loose_crop", "%d.jpg" % n), rng, pts, w, h)
        if n != 8:
            points.append("%d.jpg %s %.4f" % (n, " ".join("%.3f %.3f" % (x, y) for x, y in pts), score))
        if n not in (7, 8):
            expected["faces"]["%d.jpg" % n] = {"template": template, "media": media, "score": score, "similarity": estimate(pts)}
    pairs = [(1, 2, 0), (1, 3, 1), (2, 3, 0), (1, 4, 0), (3, 4, 0), (2, 5, 0)]
    with open(os.path.join(ROOT, "IJBB", "meta", "ijbb_face_tid_mid.txt"), "w") as out:
        out.write("\n".join(faces) + "\n")
    with open(os.path.join(ROOT, "IJBB", "meta", "ijbb_name_5pts_score.txt"), "w") as out:
        out.write("\n".join(points) + "\n")
    with open(os.path.join(ROOT, "IJBB", "meta", "ijbb_template_pair_label.txt"), "w") as out:
        out.write("\n".join("%d %d %d" % p for p in pairs) + "\n")
    expected["pairs"] = [list(p) for p in pairs[:3]]
    expected["lost_pairs"] = 3
    expected["missing_image"] = "7.jpg"
    expected["no_points"] = "8.jpg"
    with open(os.path.join(HERE, "expected_ijbb.json"), "w") as out:
        json.dump(expected, out, indent=1)

    cases = []
    for k in range(4):
        pts = face(rng, 200, 180) if k < 3 else ARCFACE.copy()
        cases.append({"source": [float(v) for v in pts.reshape(-1)], "similarity": estimate(pts)})
    with open(os.path.join(HERE, "alignment_reference.json"), "w") as out:
        json.dump(cases, out, indent=1)
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
