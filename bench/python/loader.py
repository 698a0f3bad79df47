#!/usr/bin/python3
"""The reference loader for bench 'loader': torchvision's ImageFolder + DataLoader with PIL decoding
and SimCLR's augmentations (two views per image), as a PyTorch lab streams a face set.

    /usr/bin/python3 bench/python/loader.py DIR --size 112 --workers 2 --batch 64 [--epochs 1]

Prints one JSON line: images (source images read), seconds, images_per_s. Torch's own threads are
limited to one per worker (as DataLoader sets them), so --workers is the number of cores used.
"""
import argparse
import json
import time

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class TwoViews:
    def __init__(self, transform):
        self.transform = transform

    def __call__(self, image):
        return self.transform(image), self.transform(image)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--size", type=int, default=112)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)
    view = transforms.Compose([
        transforms.RandomResizedCrop(args.size, scale=(0.25, 1.0)),
        transforms.RandomHorizontalFlip(),
        transforms.RandomApply([transforms.ColorJitter(0.4, 0.4, 0.4)], p=0.8),
        transforms.RandomGrayscale(p=0.2),
        transforms.ToTensor(),
        transforms.Normalize((0.485, 0.456, 0.406), (0.228, 0.224, 0.225)),
    ])
    data = datasets.ImageFolder(args.root, transform=TwoViews(view))
    loader = DataLoader(data, batch_size=args.batch, shuffle=True, num_workers=args.workers, drop_last=True,
                        persistent_workers=args.workers > 0, prefetch_factor=4 if args.workers > 0 else None)
    # One untimed batch: worker start-up is not loading.
    iterator = iter(loader)
    next(iterator)
    images = 0
    start = time.perf_counter()
    for epoch in range(args.epochs):
        for (a, b), _ in (iterator if epoch == 0 else loader):
            images += a.shape[0]
    seconds = time.perf_counter() - start
    print(json.dumps({"images": images, "seconds": seconds, "images_per_s": images / seconds,
                      "torch": torch.__version__, "workers": args.workers, "size": args.size}))


if __name__ == "__main__":
    main()
