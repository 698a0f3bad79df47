#!/usr/bin/env python3
"""Writes a tiny WFLW in its authors' layout: WFLW_annotations/list_98pt_rect_attr_train_test/
list_98pt_rect_attr_{train,test}.txt (196 coordinates, x_min y_min x_max y_max, six attribute flags,
the image path) and JPEGs by PIL under WFLW_images, with a line of 195 coordinates and a line whose
image is missing. expected_wflw.json holds, per usable line, HRNet's crop region on the given box
(continuous coordinates: WFLW's 0-based value v is at v + 0.5) and the points in a 64-pixel crop,
computed here independently of the code under test.
Run once with Debian's python3-pil: /usr/bin/python3 make_wflw.py
"""
import json
import os
import random
import shutil

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "wflw")
LISTS = os.path.join(ROOT, "WFLW_annotations", "list_98pt_rect_attr_train_test")
CROP = 64


def main():
    rng = random.Random(98)
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(LISTS)
    expected = {"faces": {}, "skipped": []}
    # (split, image, flags); flags: pose expression illumination make-up occlusion blur.
    faces = [("train", "0--Parade/a.jpg", [0, 0, 0, 0, 0, 0]), ("train", "0--Parade/b.jpg", [1, 0, 0, 0, 0, 0]),
             ("test", "1--Handshaking/c.jpg", [1, 1, 0, 0, 0, 0]), ("test", "1--Handshaking/d.jpg", [0, 0, 1, 0, 1, 0]),
             ("test", "2--Demo/e.jpg", [0, 0, 0, 1, 0, 1])]
    lines = {"train": [], "test": []}
    for split, image, flags in faces:
        w, h = rng.randint(120, 160), rng.randint(110, 150)
        cx, cy, size = w / 2 + rng.uniform(-10, 10), h / 2 + rng.uniform(-8, 8), rng.uniform(50, 70)
        pts = [(round(cx + rng.uniform(-0.5, 0.5) * size, 2), round(cy + rng.uniform(-0.5, 0.5) * size, 2)) for _ in range(98)]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        box = [round(min(xs) - 3, 1), round(min(ys) - 5, 1), round(max(xs) + 3, 1), round(max(ys) + 2, 1)]
        img = Image.new("RGB", (w, h), (90, rng.randint(0, 255), 140))
        ImageDraw.Draw(img).ellipse(box, fill=(210, 170, 140))
        os.makedirs(os.path.join(ROOT, "WFLW_images", os.path.dirname(image)), exist_ok=True)
        img.save(os.path.join(ROOT, "WFLW_images", image), quality=92)
        fields = ["%.2f %.2f" % p for p in pts] + ["%.1f" % v for v in box] + [str(f) for f in flags] + [image]
        lines[split].append(" ".join(fields))
        number = len(lines[split])
        l, t, r, b = box[0] + 0.5, box[1] + 0.5, box[2] + 0.5, box[3] + 0.5
        side = max(r - l, b - t) * 1.25
        region = [(l + r) / 2 - side / 2, (t + b) / 2 - side / 2, side, side]
        s = side / CROP
        expected["faces"]["%s:%d" % (split, number)] = {
            "image": image, "flags": flags, "region": region,
            "crop64": [[(x + 0.5 - region[0]) / s, (y + 0.5 - region[1]) / s] for x, y in pts]}
    # A line short of one coordinate, and a line whose image is not there.
    bad = lines["test"][0].split(" ")
    lines["test"].append(" ".join(bad[:1] + bad[2:]))
    expected["skipped"].append("test:%d" % len(lines["test"]))
    lines["train"].append(lines["train"][0].replace("0--Parade/a.jpg", "0--Parade/missing.jpg"))
    expected["skipped"].append("train:%d" % len(lines["train"]))
    for split in ("train", "test"):
        with open(os.path.join(LISTS, "list_98pt_rect_attr_%s.txt" % split), "w") as f:
            f.write("\n".join(lines[split]) + "\n")
    with open(os.path.join(HERE, "expected_wflw.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
