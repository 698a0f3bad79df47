#!/usr/bin/python3
"""Writes the real-photo fixtures RealPhotoTests.cs decodes, and expected.json, the values Pillow reads from them.

Run with Debian's python3 (apt-get install -y python3-pil python3-numpy python3-skimage):
    /usr/bin/python3 make_photos.py
The sources are the camera photos python3-skimage ships (astronaut.png, coffee.png, chelsea.png); each is
downscaled with Pillow, then written as the variants real datasets contain. expected.json holds, per file,
what Pillow decodes (upright, as RGB): its size, mean colour, 8x8 grid of block means and corner pixels, so
the tests compare SkiaSharp's decode with an independent decoder.
"""
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps

here = os.path.dirname(os.path.abspath(__file__))
source_dir = "/usr/lib/python3/dist-packages/skimage/data"
GRID = 8
ORIENTATION = 0x0112


def source(name, width, height):
    """The skimage photo resized (Lanczos, in float) to width x height, as float RGB in [0, 255]."""
    img = Image.open(os.path.join(source_dir, name)).convert("RGB")
    planes = [np.asarray(img.getchannel(c).convert("F").resize((width, height), Image.LANCZOS)) for c in range(3)]
    return np.clip(np.stack(planes, axis=-1), 0, 255)


def u8(a):
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def jpeg(img, **options):
    buf = io.BytesIO()
    img.save(buf, format="JPEG", **options)
    return buf.getvalue()


def png(img, **options):
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True, **options)
    return buf.getvalue()


def png16(a, colour_type):
    """A 16-bit PNG (colour type 2 = RGB, 0 = gray) written directly: Pillow cannot write 16-bit RGB."""
    a = np.asarray(a, dtype=">u2")
    height, width = a.shape[:2]
    rows = a.reshape(height, -1)
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def cmyk(rgb):
    """CMYK with full black generation (K = 1 - max(R, G, B)), so all four channels carry the image."""
    rgb = rgb.astype(np.float64) / 255.0
    k = 1.0 - rgb.max(axis=-1, keepdims=True)
    cmy = (1.0 - rgb - k) / np.maximum(1.0 - k, 1e-9)
    return u8(np.concatenate([cmy, k], axis=-1) * 255.0)


def with_orientation(img, orientation, **options):
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return jpeg(img, exif=exif.tobytes(), **options)


def flip_entropy_bytes(data, count=24):
    """Inverts `count` bytes in the middle of the first scan's entropy-coded data, never making or touching 0xFF."""
    sos = data.index(b"\xff\xda")
    start = sos + 2 + struct.unpack(">H", data[sos + 2:sos + 4])[0]
    end = data.rindex(b"\xff\xd9")
    out = bytearray(data)
    i = (start + end) // 2
    flipped = 0
    while flipped < count:
        if out[i] != 0xFF and out[i - 1] != 0xFF and out[i] ^ 0xFF != 0xFF and out[i + 1] != 0x00:
            out[i] ^= 0xFF
            flipped += 1
        i += 1
    return bytes(out)


def describe(data):
    """What Pillow decodes from `data` (upright RGB; alpha composited on black), or the error it raises."""
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except (OSError, SyntaxError) as e:
        return {"pillow_error": str(e)}
    orientation = img.getexif().get(ORIENTATION, 1)
    mode = img.mode
    img = ImageOps.exif_transpose(img)
    if img.mode == "RGBA":
        a = np.asarray(img).astype(np.float64)
        rgb = a[..., :3] * a[..., 3:4] / 255.0
    elif img.mode in ("I;16", "I;16B", "I"):
        g = np.asarray(img).astype(np.float64) / 257.0
        rgb = np.stack([g, g, g], axis=-1)
    else:
        rgb = np.asarray(img.convert("RGB")).astype(np.float64)
    return {"pillow_mode": mode, "orientation": orientation, **stats(rgb)}


def stats(rgb):
    height, width = rgb.shape[:2]
    grid = []
    for gy in range(GRID):
        for gx in range(GRID):
            block = rgb[gy * height // GRID:(gy + 1) * height // GRID, gx * width // GRID:(gx + 1) * width // GRID]
            grid.append([round(float(v), 3) for v in block.reshape(-1, 3).mean(axis=0)])
    corners = {name: [round(float(v), 3) for v in rgb[y, x]]
               for name, (x, y) in {"top_left": (0, 0), "top_right": (width - 1, 0),
                                    "bottom_left": (0, height - 1), "bottom_right": (width - 1, height - 1)}.items()}
    return {"width": width, "height": height,
            "mean": [round(float(v), 3) for v in rgb.reshape(-1, 3).mean(axis=0)],
            "grid": grid, "corners": corners}


files = {}

# Chelsea (the cat), 128x85 JPEGs: baseline, progressive, EXIF-oriented, truncated and corrupted.
chelsea = Image.fromarray(u8(source("chelsea.png", 128, 85)), "RGB")
baseline = jpeg(chelsea, quality=90)
files["chelsea.jpg"] = baseline
files["chelsea_progressive.jpg"] = jpeg(chelsea, quality=90, progressive=True)
# Orientation 6: shown rotated 90 degrees clockwise, so the pixels are stored rotated counter-clockwise.
files["chelsea_exif6.jpg"] = with_orientation(chelsea.transpose(Image.ROTATE_90), 6, quality=90)
# Orientation 8: shown rotated 90 degrees counter-clockwise, so the pixels are stored rotated clockwise.
files["chelsea_exif8.jpg"] = with_orientation(chelsea.transpose(Image.ROTATE_270), 8, quality=90)
files["chelsea_truncated.jpg"] = baseline[:len(baseline) * 6 // 10]
files["chelsea_corrupt.jpg"] = flip_entropy_bytes(baseline)

# Coffee, 66x44: lossless 8- and 16-bit PNGs (RGB and gray), a palette PNG, CMYK and gray JPEGs.
coffee_float = source("coffee.png", 66, 44)
coffee16 = np.clip(np.rint(coffee_float * 257.0), 0, 65535).astype(np.uint16)
coffee8 = np.rint(coffee16 / 257.0).astype(np.uint8)
gray_float = coffee_float @ np.array([0.299, 0.587, 0.114])
gray16 = np.clip(np.rint(gray_float * 257.0), 0, 65535).astype(np.uint16)
gray8 = np.rint(gray16 / 257.0).astype(np.uint8)
coffee = Image.fromarray(coffee8, "RGB")
files["coffee.png"] = png(coffee)
files["coffee_rgb16.png"] = png16(coffee16, 2)
files["coffee_gray.png"] = png(Image.fromarray(gray8, "L"))
files["coffee_gray16.png"] = png16(gray16, 0)
files["coffee_palette.png"] = png(coffee.quantize(colors=48, method=Image.MEDIANCUT, dither=Image.NONE))
files["coffee_cmyk.jpg"] = jpeg(Image.fromarray(cmyk(coffee8), "CMYK"), quality=95)
files["coffee_gray.jpg"] = jpeg(Image.fromarray(gray8, "L"), quality=90)

# Astronaut: a 256x256 JPEG for reduced-scale decoding, and a 64x64 RGBA PNG whose alpha is a left-to-right
# ramp with a fully transparent top-left quadrant that still stores colour.
files["astronaut.jpg"] = jpeg(Image.fromarray(u8(source("astronaut.png", 256, 256)), "RGB"), quality=75)
astro = u8(source("astronaut.png", 64, 64))
alpha = np.tile(np.rint(np.linspace(0, 255, 64)).astype(np.uint8), (64, 1))
alpha[:32, :32] = 0
files["astronaut_rgba.png"] = png(Image.fromarray(np.dstack([astro, alpha]), "RGBA"))

expected = {}
for name, data in files.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
    expected[name] = {"bytes": len(data), **describe(data)}

# Values of the sources themselves, before any lossy encoding (upright, 8-bit RGB).
expected["sources"] = {
    "chelsea": stats(np.asarray(chelsea).astype(np.float64)),
    "coffee": stats(coffee8.astype(np.float64)),
}

with open(os.path.join(here, "expected.json"), "w") as f:
    # One line per file keeps the JSON small and readable.
    f.write("{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in expected.items()) + "\n}\n")

for name, data in files.items():
    print(f"{name:28} {len(data):6d} bytes  {expected[name].get('pillow_error', '')}")
print(f"{'total':28} {sum(len(d) for d in files.values()):6d} bytes")
