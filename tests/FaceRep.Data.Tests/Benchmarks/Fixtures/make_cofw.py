#!/usr/bin/env python3
"""Writes a tiny COFW as HRNet's data/cofw distributes it: COFW_train_color.mat (IsTr, phisTr, bboxesTr) and
COFW_test_color.mat (IsT, phisT, bboxesT), MATLAB v7.3 files laid out as MATLAB writes them: HDF5 behind a
512-byte userblock holding MATLAB's 128-byte header, every array transposed (MATLAB is column-major, so an
N×87 matrix is stored as an 87×N dataset and an H×W×3 image as 3×W×H), a MATLAB_class attribute on each
variable, the image cell arrays as datasets of object references into the /#refs# group (IsTr N×1 as
COFW has it, IsT 1×N), the images chunked and deflated.
Each image is painted in a background colour with the face's box in a second colour; sizes differ, the
third training image is grey (H×W). phis holds 29 x, 29 y and 29 occlusion flags per face, 1-based;
bboxes is x, y, w, h in the same convention. Faults: a training face with a NaN coordinate and a test face
whose box lies outside its image.
expected_cofw.json holds, per usable face, HRNet's crop region on the box (continuous coordinates: a
1-based value v is at v - 0.5), the offset and scale mapping a 64-pixel crop back to the annotation's
convention, the box, the continuous points, the points in the crop, the visibility flags and the two colours, all
computed here independently of the code under test; and the faces to be skipped.
Run once with Debian's python3-h5py and python3-numpy: /usr/bin/python3 make_cofw.py
"""
import json
import math
import os
import random
import shutil

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "cofw")
CROP = 64
POINTS = 29
USERBLOCK = 512


def header():
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  6 12:00:00 2014 HDF5 schema 1.00 ."
    block = text.ljust(116, b" ") + b"\0" * 8 + b"\x00\x02" + b"IM"
    return block.ljust(USERBLOCK, b"\0")


def matlab_class(obj, name):
    obj.attrs.create("MATLAB_class", np.bytes_(name))


def cell_names():
    # MATLAB names the objects of #refs# a, b, ..., z, A, ..., Z, then two letters; 'a' is its empty placeholder.
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for first in [""] + list(letters):
        for second in letters:
            yield first + second


def write_mat(path, names, faces, column):
    images, phis, boxes = names
    with h5py.File(path, "w", userblock_size=USERBLOCK, libver="earliest") as f:
        refs = f.create_group("#refs#")
        naming = cell_names()
        empty = refs.create_dataset(next(naming), data=np.array([0, 0], dtype=np.uint64))
        matlab_class(empty, "canonical empty")
        empty.attrs.create("MATLAB_empty", np.uint8(1))
        handles = []
        for face in faces:
            pixels = face["pixels"]
            # MATLAB's H×W(×3) uint8 array, stored transposed: W×H (grey) or 3×W×H (colour).
            stored = pixels.T if pixels.ndim == 2 else np.transpose(pixels, (2, 1, 0))
            # MATLAB stores larger arrays chunked and deflated (level 3).
            ds = refs.create_dataset(next(naming), data=np.ascontiguousarray(stored), chunks=stored.shape, compression="gzip", compression_opts=3)
            matlab_class(ds, "uint8")
            ds.attrs.create("MATLAB_int_decode", np.int32(2))
            ds.attrs.create("H5PATH", np.bytes_("/" + images))
            handles.append(ds.ref)
        # A MATLAB N×1 cell is stored as a 1×N dataset, a 1×N cell as N×1.
        shape = (1, len(faces)) if column else (len(faces), 1)
        cell = f.create_dataset(images, shape=shape, dtype=h5py.ref_dtype)
        for i, ref in enumerate(handles):
            cell[(0, i) if column else (i, 0)] = ref
        matlab_class(cell, "cell")
        # phis is N×87 and bboxes N×4 in MATLAB: stored as 87×N and 4×N.
        phi = np.array([face["phi"] for face in faces], dtype=np.float64)
        box = np.array([face["box"] for face in faces], dtype=np.float64)
        matlab_class(f.create_dataset(phis, data=np.ascontiguousarray(phi.T)), "double")
        matlab_class(f.create_dataset(boxes, data=np.ascontiguousarray(box.T)), "double")
    with open(path, "r+b") as f:
        f.write(header())


def make_face(rng, w, h, grey, inside=True):
    bw = rng.randint(14, 18)
    bh = bw + rng.randint(-2, 2)
    side = max(bw, bh) * 1.25
    # The box where the whole crop region stays inside the image (so the crop shows only painted pixels),
    # off the image's centre so that a transposed image would show another place.
    lo_x, hi_x = math.ceil(side / 2 - bw / 2 + 2), math.floor(w - side / 2 - bw / 2 - 2)
    lo_y, hi_y = math.ceil(side / 2 - bh / 2 + 2), math.floor(h - side / 2 - bh / 2 - 2)
    x, y = rng.randint(lo_x, hi_x), rng.randint(lo_y, hi_y)
    if not inside:
        x = w + 30
    background = [rng.randint(20, 90), rng.randint(100, 160), rng.randint(170, 240)]
    foreground = [rng.randint(200, 250), rng.randint(40, 90), rng.randint(100, 150)]
    if grey:
        background, foreground = [60] * 3, [200] * 3
    pixels = np.zeros((h, w, 3), dtype=np.uint8)
    pixels[:, :] = background
    # The box in 1-based pixels x..x+w-1 is 0-based columns x-1 .. x+w-2.
    if inside:
        pixels[y - 1:y - 1 + bh, x - 1:x - 1 + bw] = foreground
    if grey:
        pixels = pixels[:, :, 0].copy()
    xs = [round(x + rng.uniform(1, bw - 2), 2) for _ in range(POINTS)]
    ys = [round(y + rng.uniform(1, bh - 2), 2) for _ in range(POINTS)]
    occluded = [rng.randint(0, 1) for _ in range(POINTS)]
    return {"pixels": pixels, "phi": xs + ys + occluded, "box": [x, y, bw, bh],
            "background": background, "foreground": foreground}


def expected_of(face):
    x, y, bw, bh = face["box"]
    l, t, r, b = x - 0.5, y - 0.5, x + bw - 0.5, y + bh - 0.5
    side = max(r - l, b - t) * 1.25
    region = [(l + r) / 2 - side / 2, (t + b) / 2 - side / 2, side, side]
    s = side / CROP
    xs, ys, occ = face["phi"][:POINTS], face["phi"][POINTS:2 * POINTS], face["phi"][2 * POINTS:]
    return {
        "box": face["box"],
        "region": region,
        "offset": [region[0] + 0.5, region[1] + 0.5],
        "scale": s,
        "size": [face["pixels"].shape[1], face["pixels"].shape[0]],
        "points": [[px - 0.5, py - 0.5] for px, py in zip(xs, ys)],
        "crop64": [[(px - 0.5 - region[0]) / s, (py - 0.5 - region[1]) / s] for px, py in zip(xs, ys)],
        "visible": [o == 0 for o in occ],
        "background": face["background"],
        "foreground": face["foreground"],
    }


def main():
    rng = random.Random(29)
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    expected = {"faces": {}, "skipped": []}
    splits = [
        ("COFW_train_color.mat", ("IsTr", "phisTr", "bboxesTr"), [(60, 48, False), (52, 64, False), (56, 44, True), (44, 50, False), (50, 46, False)], True),
        ("COFW_test_color.mat", ("IsT", "phisT", "bboxesT"), [(58, 50, False), (48, 40, False), (46, 56, False)], False),
    ]
    for file, names, sizes, column in splits:
        faces = []
        for k, (w, h, grey) in enumerate(sizes):
            outside = file.startswith("COFW_test") and k == 1
            face = make_face(rng, w, h, grey, inside=not outside)
            item = "%s:%s[%d]" % (file, names[0], k + 1)
            if file.startswith("COFW_train") and k == 3:
                face["phi"][5] = float("nan")
                expected["skipped"].append(item)
            elif outside:
                expected["skipped"].append(item)
            else:
                expected["faces"][item] = dict(expected_of(face), split="train" if "train" in file else "test")
            faces.append(face)
        write_mat(os.path.join(ROOT, file), names, faces, column)
    with open(os.path.join(HERE, "expected_cofw.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
