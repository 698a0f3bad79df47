#!/usr/bin/env python3
"""Writes a tiny LFW in its authors' layout: lfw/<Name>/<Name>_NNNN.jpg (PIL; 250x250 like LFW, one
image 200x240) and pairs.txt by hand (View 2's format: '10 2', then per fold 2 same-person lines
'name n1 n2' and 2 different-person lines 'name1 n1 name2 n2'). Two people are named in no pair:
they are the training split. Fault: the pair on line 41 names an image that is not there.
expected_lfw.json lists the training images with their crop (the centred 0.6 of the shorter side)
and the pairs that stay, by line, with whether they show one person.
Run once with Debian's python3-pil: /usr/bin/python3 make_lfw.py
"""
import json
import os
import random
import shutil

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "lfw")
TESTED = ["Ada_Lovelace", "Alan_Turing", "Grace_Hopper", "Edsger_Dijkstra"]
TRAINING = ["Barbara_Liskov", "Donald_Knuth"]


def main():
    rng = random.Random(5)
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    expected = {"train": {}, "pairs": {}}
    counts = {}
    for person in TESTED + TRAINING:
        os.makedirs(os.path.join(ROOT, "lfw", person))
        counts[person] = 3
        for n in range(1, 4):
            w, h = (200, 240) if (person, n) == ("Donald_Knuth", 2) else (250, 250)
            img = Image.new("RGB", (w, h), (rng.randint(0, 255), 100, 120))
            ImageDraw.Draw(img).ellipse([w * 0.3, h * 0.28, w * 0.7, h * 0.75], fill=(205, 165, 140))
            rel = "%s/%s_%04d.jpg" % (person, person, n)
            img.save(os.path.join(ROOT, "lfw", rel), quality=90)
            if person in TRAINING:
                side = min(w, h) * 0.6
                expected["train"]["lfw/" + rel] = [(w - side) / 2, (h - side) / 2, side, side]
    lines = ["10\t2"]
    for fold in range(10):
        for k in range(2):
            person = TESTED[(fold + k) % 4]
            a = rng.randint(1, 3)
            b = a % 3 + 1
            lines.append("%s\t%d\t%d" % (person, min(a, b), max(a, b)))
            expected["pairs"][str(len(lines))] = True
        for k in range(2):
            p, q = TESTED[(fold + k) % 4], TESTED[(fold + k + 1 + k) % 4]
            lines.append("%s\t%d\t%s\t%d" % (p, rng.randint(1, 3), q, rng.randint(1, 3)))
            expected["pairs"][str(len(lines))] = False
    # Line 41 (fold 10's last different-person pair) names a fourth image that is not there.
    p, _, q, _ = lines[40].split("\t")
    lines[40] = "%s\t%d\t%s\t%d" % (p, 1, q, 4)
    del expected["pairs"]["41"]
    expected["missing"] = {"line": 41, "image": "lfw/%s/%s_0004.jpg" % (q, q)}
    with open(os.path.join(ROOT, "pairs.txt"), "w") as out:
        out.write("\n".join(lines) + "\n")
    with open(os.path.join(HERE, "expected_lfw.json"), "w") as out:
        json.dump(expected, out, indent=1)
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
