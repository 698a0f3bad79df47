#!/usr/bin/env python3
"""Writes a tiny DISFA in its authors' layout with frames extracted beside it:
ActionUnit_Labels/SNxxx/SNxxx_auN.txt (written by hand: 'frame,intensity' lines), the 66 AAM points per
frame as Landmark_Points/SNxxx/tmp_frame_lm/SNxxx_NNNN_lm.mat (scipy.io.savemat, variable 'pts', 66x2,
numbered from 0; one subject uses the other name DISFA has, l0NNNN_lm.mat), and the frames as
Frames/SNxxx/NNNNN.jpg (PIL, numbered from 1). Two subjects of each of the three folds, three frames each.
Faults: SN026's frame 2 has no JPEG, SN018's frame 3 has no landmark file, SN099 is not one of DISFA's
subjects, SN010's AU 4 file has an intensity of 7 on its line 2, and SN032 has no Frames folder.
expected_disfa.json lists each usable frame's intensities (12 AUs), fold, subject number and crop
region (HRNet: the 66 points' box in continuous coordinates, 0-based centres + 0.5, squared, x1.25).
Run once with Debian's python3-pil and python3-scipy: /usr/bin/python3 make_disfa.py
"""
import json
import os
import random
import shutil

import numpy as np
import scipy.io
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "disfa")
AUS = [1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26]
FOLDS = {"SN001": "fold3", "SN002": "fold3", "SN013": "fold2", "SN018": "fold2", "SN003": "fold1", "SN029": "fold1",
         "SN026": "fold3", "SN010": "fold3", "SN099": None, "SN032": "fold3"}
FRAMES = 3


def main():
    rng = random.Random(21)
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    expected = {"frames": {}}
    for subject, fold in FOLDS.items():
        labels = os.path.join(ROOT, "ActionUnit_Labels", subject)
        landmarks = os.path.join(ROOT, "Landmark_Points", subject, "tmp_frame_lm")
        frames = os.path.join(ROOT, "Frames", subject)
        os.makedirs(labels)
        os.makedirs(landmarks)
        if subject != "SN032":
            os.makedirs(frames)
        table = [[rng.randint(0, 5) for _ in AUS] for _ in range(FRAMES)]
        for a, au in enumerate(AUS):
            lines = ["%d,%d" % (f + 1, table[f][a]) for f in range(FRAMES)]
            if subject == "SN010" and au == 4:
                lines[1] = "2,7"
            with open(os.path.join(labels, "%s_au%d.txt" % (subject, au)), "w") as out:
                out.write("\n".join(lines) + "\n")
        for f in range(FRAMES):
            w, h = rng.randint(140, 170), rng.randint(120, 150)
            x0, y0 = rng.uniform(20, 40), rng.uniform(15, 30)
            fw, fh = rng.uniform(50, 70), rng.uniform(55, 75)
            pts = np.array([[rng.uniform(x0, x0 + fw), rng.uniform(y0, y0 + fh)] for _ in range(66)])
            if not (subject == "SN026" and f == 1) and subject != "SN032":
                img = Image.new("RGB", (w, h), (rng.randint(0, 255), 90, 150))
                ImageDraw.Draw(img).ellipse([x0, y0, x0 + fw, y0 + fh], fill=(210, 170, 140))
                img.save(os.path.join(frames, "%05d.jpg" % (f + 1)), quality=92)
            if not (subject == "SN018" and f == 2):
                name = ("l0%04d_lm.mat" if subject == "SN013" else subject + "_%04d_lm.mat") % f
                scipy.io.savemat(os.path.join(landmarks, name), {"pts": pts})
            usable = fold is not None and subject not in ("SN010", "SN032") \
                and not (subject == "SN026" and f == 1) and not (subject == "SN018" and f == 2)
            if usable:
                left, top = pts[:, 0].min() + 0.5, pts[:, 1].min() + 0.5
                right, bottom = pts[:, 0].max() + 0.5, pts[:, 1].max() + 0.5
                side = max(right - left, bottom - top) * 1.25
                cx, cy = (left + right) / 2, (top + bottom) / 2
                expected["frames"]["Frames/%s/%05d.jpg" % (subject, f + 1)] = {
                    "fold": fold, "subject": int(subject[2:]), "values": table[f],
                    "region": [cx - side / 2, cy - side / 2, side, side]}
    expected["missing_frame"] = "Frames/SN026/00002.jpg"
    expected["missing_landmarks"] = "Frames/SN018/00003.jpg"
    expected["unknown_subject"] = "ActionUnit_Labels/SN099"
    expected["bad_intensity"] = "ActionUnit_Labels/SN010"
    expected["no_frames"] = "Frames/SN032"
    with open(os.path.join(HERE, "expected_disfa.json"), "w") as out:
        json.dump(expected, out, indent=1)
    print("wrote", ROOT)


if __name__ == "__main__":
    main()
