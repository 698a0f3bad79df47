#!/usr/bin/python3
"""Writes a folder of face-sized camera-photo JPEGs in the VGGFace2 layout for the loader benchmark.

    /usr/bin/python3 bench/python/make_loader_images.py OUT [--identities 100] [--per-identity 20]
        [--width 256] [--height 320] [--quality 90]

Each image is a random crop (random scale and place) of one of the camera photos Debian's
python3-skimage ships, resized with PIL to WIDTH x HEIGHT and saved as a baseline JPEG: the
decoder sees photographic content, not flat colour, as with VGGFace2's crops (mean about 340 x 420).
"""
import argparse
import os
import random

from PIL import Image

PHOTOS = "/usr/lib/python3/dist-packages/skimage/data"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--identities", type=int, default=100)
    parser.add_argument("--per-identity", type=int, default=20)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--height", type=int, default=320)
    parser.add_argument("--quality", type=int, default=90)
    args = parser.parse_args()
    photos = [Image.open(os.path.join(PHOTOS, n)).convert("RGB") for n in ("astronaut.png", "coffee.png", "chelsea.png")]
    rng = random.Random(0)
    for i in range(args.identities):
        folder = os.path.join(args.out, f"n{i + 1:06d}")
        os.makedirs(folder, exist_ok=True)
        for j in range(args.per_identity):
            photo = photos[rng.randrange(len(photos))]
            w, h = photo.size
            scale = rng.uniform(0.35, 0.9)
            cw, ch = int(w * scale * 0.8), int(h * scale)
            x, y = rng.randrange(0, w - cw + 1), rng.randrange(0, h - ch + 1)
            image = photo.crop((x, y, x + cw, y + ch)).resize((args.width, args.height), Image.BILINEAR)
            if rng.random() < 0.5:
                image = image.transpose(Image.FLIP_LEFT_RIGHT)
            image.save(os.path.join(folder, f"{j + 1:04d}_01.jpg"), quality=args.quality)


if __name__ == "__main__":
    main()
