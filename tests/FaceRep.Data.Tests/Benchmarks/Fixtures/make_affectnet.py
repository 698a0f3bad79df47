#!/usr/bin/env python3
"""Writes a tiny AffectNet in its authors' layout: Manually_Annotated_file_lists/{training,validation}.csv
(written by hand: subDirectory_filePath, face_x, face_y, face_width, face_height, facial_landmarks,
expression, valence, arousal) and JPEGs by PIL under Manually_Annotated_Images. Faults: a row of
expression 9 (uncertain, left out by the 8-class protocol), a row whose box lies outside its image, a
row with a field missing, and a row whose image is not there. expected_affectnet.json lists the
usable rows with their crop region (the box squared on its longer side about its centre).
Run once with Debian's python3-pil: /usr/bin/python3 make_affectnet.py
"""
import json
import os
import random
import shutil

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "affectnet")
HEADER = "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal"


def main():
    rng = random.Random(8)
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(os.path.join(ROOT, "Manually_Annotated_file_lists"))
    expected = {"rows": {}}
    rows = {"training.csv": [], "validation.csv": []}
    spec = [("training.csv", 0, 0.1, 0.2), ("training.csv", 1, 0.8, 0.5), ("training.csv", 7, -0.3, 0.4), ("training.csv", 9, -2, -2),
            ("validation.csv", 2, -0.7, -0.1), ("validation.csv", 3, 0.2, 0.9)]
    for k, (csv, expression, valence, arousal) in enumerate(spec):
        w, h = rng.randint(120, 160), rng.randint(110, 150)
        x, y, fw, fh = rng.randint(5, 20), rng.randint(5, 20), rng.randint(70, 90), rng.randint(80, 95)
        rel = "%d/face_%02d.jpg" % (k % 3, k)
        os.makedirs(os.path.join(ROOT, "Manually_Annotated_Images", str(k % 3)), exist_ok=True)
        img = Image.new("RGB", (w, h), (rng.randint(0, 255), 80, 160))
        ImageDraw.Draw(img).ellipse([x, y, x + fw, y + fh], fill=(215, 175, 145))
        img.save(os.path.join(ROOT, "Manually_Annotated_Images", rel), quality=92)
        landmarks = ";".join("%.2f" % rng.uniform(x, x + fw) for _ in range(136))
        rows[csv].append("%s,%d,%d,%d,%d,%s,%d,%s,%s" % (rel, x, y, fw, fh, landmarks, expression, valence, arousal))
        line = len(rows[csv]) + 1
        if expression < 8:
            side = max(fw, fh)
            cx, cy = x + fw / 2, y + fh / 2
            expected["rows"]["%s:%d" % (csv, line)] = {"class": expression, "valence": valence, "arousal": arousal,
                                                       "region": [cx - side / 2, cy - side / 2, side, side]}
    # A box far outside its image, a row one field short, a row whose image is missing.
    rows["training.csv"].append("0/face_00.jpg,900,900,50,50,,4,0.1,0.1")
    expected["outside"] = "training.csv:%d" % (len(rows["training.csv"]) + 1)
    rows["training.csv"].append("0/face_00.jpg,10,10,50,50,,4,0.1")
    expected["short"] = "training.csv:%d" % (len(rows["training.csv"]) + 1)
    rows["validation.csv"].append("2/missing.jpg,10,10,50,50,,5,0.1,0.1")
    expected["missing"] = "validation.csv:%d" % (len(rows["validation.csv"]) + 1)
    for csv, lines in rows.items():
        with open(os.path.join(ROOT, "Manually_Annotated_file_lists", csv), "w") as f:
            f.write(HEADER + "\n" + "\n".join(lines) + "\n")
    with open(os.path.join(HERE, "expected_affectnet.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
