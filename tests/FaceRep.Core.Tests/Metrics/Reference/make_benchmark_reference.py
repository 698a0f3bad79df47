#!/usr/bin/env python3
"""Writes benchmark_reference.json: fixed inputs and the values the benchmarks' reference code
computes from them, re-expressed here with numpy alone (Debian's python3-numpy):

- HRNet-Facial-Landmark-Detection, lib/core/evaluation.py, compute_nme: per face
  sum(||pred - gt||) / (interocular * L), interocular by the number of points L
  (68: points 36, 45; 98: 60, 72; 29: 8, 9; 19: the given box size).
- 3DDFA, benchmark_aflw2000.py, calc_nme ('ori') and ana: mean 2D point error over
  sqrt(w * h) of the ground truth's 68-point box; means within |yaw| <= 30, 30 < |yaw| <= 60,
  |yaw| > 60 (degrees) and the mean of the three.
- insightface, recognition/arcface_torch/eval/verification.py, calculate_roc: squared distance of
  L2-normalised embeddings, thresholds arange(0, 4, 0.01), KFold(10, shuffle=False), the
  threshold best on nine folds (first of equals) applied to the tenth; mean and std of the folds.
- insightface, recognition/_evaluation_/ijb/ijb_11.py: image2template_feature (media means summed,
  L2-normalised; images weighted by detector score), cosine scores, scikit-learn's roc_curve
  (drop_intermediate) flipped, the point with the nearest FPR per target.

Run once: /usr/bin/python3 make_benchmark_reference.py  (the tests read the JSON, never Python).
"""
import json
import os

import numpy as np


def f32(a):
    return np.asarray(a, dtype=np.float32)


def floats(a):
    a = np.asarray(a)
    if a.dtype == np.float32:
        # The shortest decimal that reads back as the same float32 (the tests read floats).
        return [float(np.format_float_positional(x, unique=True, trim="0")) for x in a.ravel()]
    return [float(x) for x in a.ravel()]


def hrnet_compute_nme(preds, target, box_size=None):
    n, l = preds.shape[0], preds.shape[1]
    rmse = np.zeros(n)
    for i in range(n):
        pts_pred, pts_gt = preds[i], target[i]
        if l == 19:
            interocular = box_size[i]
        elif l == 29:
            interocular = np.linalg.norm(pts_gt[8] - pts_gt[9])
        elif l == 68:
            interocular = np.linalg.norm(pts_gt[36] - pts_gt[45])
        elif l == 98:
            interocular = np.linalg.norm(pts_gt[60] - pts_gt[72])
        else:
            raise ValueError(l)
        rmse[i] = np.sum(np.linalg.norm(pts_pred - pts_gt, axis=1)) / (interocular * l)
    return rmse


def landmark_case(rng, name, faces, points, given_box=False):
    gt = f32(rng.uniform(20, 220, size=(faces, points, 2)))
    pred = f32(gt + rng.normal(0, 4, size=gt.shape))
    box = f32(rng.uniform(80, 160, size=faces)) if given_box else None
    gt64, pred64 = gt.astype(np.float64), pred.astype(np.float64)
    nme = hrnet_compute_nme(pred64, gt64, None if box is None else box.astype(np.float64))
    case = {"name": name, "points": points, "predicted": floats(pred), "truth": floats(gt), "nme": floats(nme)}
    if box is not None:
        case["box_size"] = floats(box)
    return case


def ddfa_aflw2000(rng, faces):
    yaws = np.concatenate([rng.uniform(-30, 30, faces // 3), rng.choice([-1, 1], faces // 3) * rng.uniform(30.5, 60, faces // 3),
                           rng.choice([-1, 1], faces - 2 * (faces // 3)) * rng.uniform(60.5, 89, faces - 2 * (faces // 3))])
    yaws[0], yaws[faces // 3] = 30.0, -60.0  # the bins' closed ends
    gt = f32(rng.uniform(10, 110, size=(faces, 3, 68)))
    fit = f32(gt[:, :2, :] + rng.normal(0, 3, size=(faces, 2, 68)))
    nme_list = []
    for i in range(faces):
        pts68_gt = gt[i].astype(np.float64)
        pts68_fit = fit[i].astype(np.float64)
        minx, maxx = np.min(pts68_gt[0, :]), np.max(pts68_gt[0, :])
        miny, maxy = np.min(pts68_gt[1, :]), np.max(pts68_gt[1, :])
        llength = np.sqrt((maxx - minx) * (maxy - miny))
        dis = pts68_fit - pts68_gt[:2, :]
        dis = np.sqrt(np.sum(np.power(dis, 2), 0))
        nme_list.append(np.mean(dis) / llength)
    nme_list = np.array(nme_list)
    yaw_abs = np.abs(yaws)
    ind1 = yaw_abs <= 30
    ind2 = np.bitwise_and(yaw_abs > 30, yaw_abs <= 60)
    ind3 = yaw_abs > 60
    m1, m2, m3 = np.mean(nme_list[ind1]), np.mean(nme_list[ind2]), np.mean(nme_list[ind3])
    # Points as our layout: x0, y0, x1, y1, ... per face.
    truth_xy = np.transpose(gt[:, :2, :], (0, 2, 1))
    pred_xy = np.transpose(fit, (0, 2, 1))
    return {"predicted": floats(pred_xy), "truth": floats(truth_xy), "yaw": floats(yaws), "nme": floats(nme_list),
            "bins": [float(m1), float(m2), float(m3)], "mean": float(np.mean([m1, m2, m3])),
            "counts": [int(ind1.sum()), int(ind2.sum()), int(ind3.sum())]}


def l2_normalize(x):
    norm = np.sqrt(np.sum(x * x, axis=1, keepdims=True))
    return x / norm


def insightface_lfw(rng, folds, per_fold, dims):
    n = folds * per_fold
    same = np.array(([True] * (per_fold // 2) + [False] * (per_fold // 2)) * folds)
    people = rng.normal(0, 1, size=(n, dims))
    a = people + rng.normal(0, 0.9, size=(n, dims))
    b = np.where(same[:, None], people, rng.normal(0, 1, size=(n, dims))) + rng.normal(0, 0.9, size=(n, dims))
    a, b = f32(a), f32(b)
    e1, e2 = l2_normalize(a.astype(np.float64)), l2_normalize(b.astype(np.float64))
    dist = np.sum(np.square(e1 - e2), 1)
    thresholds = np.arange(0, 4, 0.01)
    bounds = np.cumsum([0] + [n // folds + (1 if f < n % folds else 0) for f in range(folds)])
    accuracy = np.zeros(folds)
    best_thresholds = np.zeros(folds)
    indices = np.arange(n)

    def calculate_accuracy(threshold, d, issame):
        predict = np.less(d, threshold)
        tp = np.sum(np.logical_and(predict, issame))
        tn = np.sum(np.logical_and(np.logical_not(predict), np.logical_not(issame)))
        return float(tp + tn) / d.size

    for f in range(folds):
        test_set = indices[bounds[f]:bounds[f + 1]]
        train_set = np.setdiff1d(indices, test_set)
        acc_train = np.array([calculate_accuracy(t, dist[train_set], same[train_set]) for t in thresholds])
        best = np.argmax(acc_train)
        best_thresholds[f] = thresholds[best]
        accuracy[f] = calculate_accuracy(thresholds[best], dist[test_set], same[test_set])
    return {"dimensions": dims, "folds": folds, "first": floats(a), "second": floats(b), "same": [bool(s) for s in same],
            "per_fold": floats(accuracy), "thresholds": floats(best_thresholds),
            "mean": float(np.mean(accuracy)), "std": float(np.std(accuracy))}


def sklearn_roc_curve(y_true, y_score):
    desc = np.argsort(y_score, kind="mergesort")[::-1]
    y_score, y_true = y_score[desc], y_true[desc]
    distinct = np.where(np.diff(y_score))[0]
    threshold_idxs = np.r_[distinct, y_true.size - 1]
    tps = np.cumsum(y_true)[threshold_idxs]
    fps = 1 + threshold_idxs - tps
    if len(fps) > 2:
        optimal = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps = fps[optimal], tps[optimal]
    tps, fps = np.r_[0, tps], np.r_[0, fps]
    return fps / fps[-1], tps / tps[-1]


def insightface_ijb(rng, subjects, templates_per_subject, dims):
    feats, tids, mids, scores_det, subject_of = [], [], [], [], {}
    template, media = 0, 0
    centres = rng.normal(0, 1, size=(subjects, dims))
    for s in range(subjects):
        for _ in range(templates_per_subject):
            template += 1
            subject_of[template] = s
            for _ in range(rng.integers(1, 4)):
                media += 1
                for _ in range(rng.integers(1, 4)):
                    feats.append(centres[s] + rng.normal(0, 1.1, size=dims))
                    tids.append(template)
                    mids.append(media)
                    scores_det.append(rng.uniform(0.5, 1.0))
    feats = f32(feats)
    tids, mids = np.array(tids), np.array(mids)
    det = np.array(scores_det, dtype=np.float64)
    # Shuffle the image order, so grouping cannot rely on it.
    perm = rng.permutation(len(tids))
    feats, tids, mids, det = feats[perm], tids[perm], mids[perm], det[perm]

    img_input_feats = feats.astype(np.float64) * det[:, np.newaxis]
    unique_templates = np.unique(tids)
    template_feats = np.zeros((len(unique_templates), dims))
    for c, uqt in enumerate(unique_templates):
        (ind_t,) = np.where(tids == uqt)
        face_norm_feats = img_input_feats[ind_t]
        face_medias = mids[ind_t]
        unique_medias, counts = np.unique(face_medias, return_counts=True)
        media_norm_feats = []
        for u, ct in zip(unique_medias, counts):
            (ind_m,) = np.where(face_medias == u)
            if ct == 1:
                media_norm_feats += [face_norm_feats[ind_m]]
            else:
                media_norm_feats += [np.mean(face_norm_feats[ind_m], axis=0, keepdims=True)]
        template_feats[c] = np.sum(np.array(media_norm_feats), axis=0)
    template_norm = l2_normalize(template_feats)

    p1, p2, label = [], [], []
    for i in range(len(unique_templates)):
        for j in range(i + 1, len(unique_templates)):
            p1.append(int(unique_templates[i]))
            p2.append(int(unique_templates[j]))
            label.append(int(subject_of[unique_templates[i]] == subject_of[unique_templates[j]]))
    index = {t: k for k, t in enumerate(unique_templates)}
    score = np.array([np.sum(template_norm[index[a]] * template_norm[index[b]]) for a, b in zip(p1, p2)])
    # The scores go to the tests as float32, so the curve is built from those.
    score32 = f32(score)
    fpr, tpr = sklearn_roc_curve(np.array(label), score32.astype(np.float64))
    fpr, tpr = np.flipud(fpr), np.flipud(tpr)
    fars = [1e-3, 1e-2, 5e-2, 1e-1, 3e-1]
    tars = []
    for x in fars:
        _, min_index = min(list(zip(abs(fpr - x), range(len(fpr)))))
        tars.append(float(tpr[min_index]))
    return {"dimensions": dims, "features": floats(feats), "templates": [int(t) for t in tids], "medias": [int(m) for m in mids],
            "weights": floats(det), "template_ids": [int(t) for t in unique_templates], "template_features": floats(template_norm),
            "pair_first": p1, "pair_second": p2, "pair_label": label, "scores": floats(score32),
            "fars": fars, "tars": tars}


def main():
    rng = np.random.default_rng(20261206)
    out = {
        "landmarks": [
            landmark_case(rng, "300w", 6, 68),
            landmark_case(rng, "wflw", 5, 98),
            landmark_case(rng, "cofw", 5, 29),
            landmark_case(rng, "aflw19", 5, 19, given_box=True),
        ],
        "aflw2000": ddfa_aflw2000(rng, 15),
        "lfw": insightface_lfw(rng, 10, 40, 8),
        "ijb": insightface_ijb(rng, 8, 4, 8),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "benchmark_reference.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print("wrote", path)


if __name__ == "__main__":
    main()
