#!/usr/bin/python3
"""Writes the small interop fixtures the Formats tests read.

Run with Debian's python3 (apt-get install -y python3-h5py python3-scipy python3-pil):
    /usr/bin/python3 make_fixtures.py
Values are fixed so the tests can check them exactly; see FixtureFilesTests.cs.
"""
import io
import os

import h5py
import numpy as np
import scipy.io
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))


def png_4x4():
    # pixel (x, y) = (60x, 70y, 20(x + y))
    a = np.zeros((4, 4, 3), np.uint8)
    for y in range(4):
        for x in range(4):
            a[y, x] = (60 * x, 70 * y, 20 * (x + y))
    buf = io.BytesIO()
    Image.fromarray(a, "RGB").save(buf, format="PNG")
    return buf.getvalue()


def jpeg_16x16():
    a = np.zeros((16, 16, 3), np.uint8)
    a[:, :] = (200, 100, 50)
    buf = io.BytesIO()
    Image.fromarray(a, "RGB").save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def images_file(name, **create):
    entries = [png_4x4(), jpeg_16x16(), b"", bytes(range(7, 200, 3))]
    with h5py.File(os.path.join(here, name), "w") as f:
        d = f.create_dataset("images", (len(entries),), dtype=h5py.vlen_dtype(np.dtype("uint8")), **create)
        for i, e in enumerate(entries):
            d[i] = np.frombuffer(e, np.uint8)


images_file("h5py_images.h5")
images_file("h5py_images_gzip.h5", chunks=(2,), compression="gzip")

j = np.arange(68, dtype=np.float64)
pt3d = np.stack([j + 1.5, 2 * j + 0.25, -0.5 * j])  # 3 x 68
pose = np.array([[0.1, -0.2, 0.3, 10.0, 20.0, 30.0, 0.001]])  # 1 x 7
extra = {
    "roi": np.array([[1.0, 2.0, 3.0, 4.0]]),
    "Shape_Para": np.linspace(-1, 1, 199).reshape(199, 1),
    "note": "skipped by the reader",
}
for name, compress in (("scipy_aflw2000.mat", False), ("scipy_aflw2000_compressed.mat", True)):
    scipy.io.savemat(os.path.join(here, name), {"pt3d_68": pt3d, "Pose_Para": pose, **extra},
                     format="5", do_compression=compress)
