#!/usr/bin/python3
"""Writes the small image-set sources the ImageSets tests import, with independent writers.

Run with Debian's python3 (apt-get install -y python3-pil python3-h5py python3-skimage):
    /usr/bin/python3 make_sets.py
Images are 48x48 crops of the camera photos python3-skimage ships (astronaut, coffee, chelsea),
written by PIL; the HDF5 file by h5py (one vlen uint8 entry per encoded image, as the paper's
release stores them). Each source holds two bad images: one that is not an image at all and one
JPEG cut short. expected.json lists what the tests check against.
"""
import io
import json
import os
import shutil

import h5py
import numpy as np
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
photos = "/usr/lib/python3/dist-packages/skimage/data"
sources = [np.asarray(Image.open(os.path.join(photos, n)).convert("RGB")) for n in ("astronaut.png", "coffee.png", "chelsea.png")]


def crop(k, size=48):
    """The k-th crop: photo k % 3, at an offset that moves with k; 96 px of photo scaled to `size`."""
    photo = sources[k % 3]
    h, w, _ = photo.shape
    y = (37 * k) % (h - 96)
    x = (53 * k) % (w - 96)
    return Image.fromarray(photo[y:y + 96, x:x + 96]).resize((size, size), Image.BILINEAR)


def jpeg(image, **kw):
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=90, **kw)
    return buf.getvalue()


def png(image):
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


NOT_AN_IMAGE = b"this is a text file, not an image\n"


def truncated(k):
    data = jpeg(crop(k))
    return data[: len(data) // 2]


def fresh(name):
    path = os.path.join(here, name)
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)
    return path


expected = {}

# Identity folders (VGGFace2 layout): 4 identities x 5 images, plus one bad image in two of them,
# a PNG among the JPEGs, a non-image file that is ignored, and loose_bb boxes for every image.
root = fresh("identities")
boxes = ["NAME_ID,X,Y,W,H"]
k = 0
for identity in ("n000001", "n000002", "n000010", "n000123"):
    os.makedirs(os.path.join(root, identity))
    for i in range(5):
        name = f"{i + 1:04d}_01"
        image = crop(k)
        data = png(image) if (identity, i) == ("n000002", 2) else jpeg(image)
        ext = ".png" if (identity, i) == ("n000002", 2) else ".jpg"
        with open(os.path.join(root, identity, name + ext), "wb") as f:
            f.write(data)
        boxes.append(f"{identity}/{name},{8 + i},{6 + i},{30 - i},{34 - i}")
        k += 1
with open(os.path.join(root, "n000001", "0099_01.jpg"), "wb") as f:
    f.write(NOT_AN_IMAGE)
boxes.append("n000001/0099_01,1,1,10,10")
with open(os.path.join(root, "n000010", "0098_01.jpg"), "wb") as f:
    f.write(truncated(99))
boxes.append("n000010/0098_01,1,1,10,10")
with open(os.path.join(root, "n000001", "notes.txt"), "w") as f:
    f.write("not part of the layout\n")
with open(fresh("loose_bb_train.csv"), "w") as f:
    f.write("\n".join(boxes) + "\n")
expected["identities"] = {"images": 20, "skipped": ["n000001/0099_01.jpg", "n000010/0098_01.jpg"],
                          "identities": ["n000001", "n000002", "n000010", "n000123"], "ignored": ["n000001/notes.txt"]}

# HDF5: 20 encoded images (JPEG and PNG), then an empty entry and a cut-short JPEG.
entries = [jpeg(crop(100 + j)) if j % 4 else png(crop(100 + j)) for j in range(20)] + [b"", truncated(140)]
path = fresh("images.h5")
with h5py.File(path, "w") as f:
    d = f.create_dataset("images", (len(entries),), dtype=h5py.vlen_dtype(np.dtype("uint8")))
    for j, e in enumerate(entries):
        d[j] = np.frombuffer(e, np.uint8)
expected["hdf5"] = {"images": 20, "skipped": ["images.h5[images][20]", "images.h5[images][21]"],
                    "sha256_first": __import__("hashlib").sha256(entries[0]).hexdigest()}

# Video frames: 2 identities x 2 clips x 4 frames (frame k of a clip is crop(base + k)).
root = fresh("video")
for a, identity in enumerate(("id10001", "id10002")):
    for c, clip in enumerate(("1zcIwhmdeo4", "7gWzIy6yIIk")):
        os.makedirs(os.path.join(root, identity, clip))
        for frame in range(4):
            with open(os.path.join(root, identity, clip, f"{frame + 1:05d}.jpg"), "wb") as f:
                f.write(jpeg(crop(200 + (8 * a) + (4 * c) + frame)))
expected["video"] = {"images": 16, "clips": 4, "identities": ["id10001", "id10002"]}

# Plain folder of uncurated images, some in a sub-folder, one not an image.
root = fresh("crawl")
os.makedirs(os.path.join(root, "batch2"))
for j in range(6):
    sub = "batch2" if j >= 4 else ""
    with open(os.path.join(root, sub, f"img{j:03d}.jpg"), "wb") as f:
        f.write(jpeg(crop(300 + j)))
with open(os.path.join(root, "broken.jpg"), "wb") as f:
    f.write(NOT_AN_IMAGE)
expected["crawl"] = {"images": 6, "skipped": ["broken.jpg"]}

with open(os.path.join(here, "expected.json"), "w") as f:
    json.dump(expected, f, indent=2, sort_keys=True)
    f.write("\n")
