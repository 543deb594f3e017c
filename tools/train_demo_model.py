#!/usr/bin/env python3
"""Train Sluice's demo nodule model with numpy and export models/demo.onnx + models/demo.yaml.

    python3 tools/train_demo_model.py [--sluice BIN] [--work DIR] [--out DIR] [--epochs N]

What it does, in order:
It takes ~20 minutes on 2 cores the first time (~9 generating and reading the sample sets,
~10 training) and ~11 when the sets are cached; the same inputs give a byte-identical model.

1. Data. Runs `sluice samples` for each training, calibration and validation seed,
   reads ground-truth.json, and turns every image into the model's input with the reference
   preprocessing (tools/onnx/preprocess.py: `window: file`, 256×256). A radiograph (DX/CR) is
   one image, positive when its study has a nodule. Each CT/MR slice is an image, positive when
   a nodule's centre lies within its radius of the slice (|z_slice − z_centre| ≤ radius, mm);
   slices just past that, where the nodule's soft edge is still faintly drawn (up to 1.75·r),
   are left out of training rather than taught as negatives. The DICOM files are deleted once
   read; the tensors are cached in --work so a rerun skips generation.
2. Training, in two stages, by hand-written backprop (im2col + matmul) and Adam, seeded.
   The network is four 3×3 convs with Relu, then GlobalAveragePool → Flatten → Gemm → Sigmoid,
   so class activation maps work: CAM = Σ_c w_c·F_c over the last Relu's 32×32 map F, and the
   logit is gain·mean(CAM) + bias.
   a. The features and w are trained on the CAM itself, cell by cell, from the ground truth's
      nodule centres: CAM_TARGET on cells within r + 8 px (one cell) of a centre, 0 elsewhere
      (the next ring out is not taught), with random flips. Every epoch sees all radiographs and all
      positive slices plus a fresh random draw of negative slices, so the few radiographs are
      not drowned by CT slices.
   b. gain and bias are then fitted (weighted logistic regression) on separate calibration
      sets, per study: a study's score is the max over its images of mean(CAM), as Sluice
      scores it, so that probability 0.5 is where positive and negative studies part.
3. Export to ONNX (opset 17, symbolic batch `N`; gain folded into the Gemm's B), check that
   onnxruntime agrees with the numpy forward pass (probabilities within 1e-4), evaluate per
   study on the validation seed (positive when the max over its images ≥ the label's `report`
   threshold) and write the measured figures into the descriptor.

Why not train on the image labels alone: that was tried first and did not learn in the time
available. A nodule covers two or three of the 1024 cells, so its share of the average is tiny
and the gradient to the features is mostly noise; with a large gain the image loss instead
switched every feature off. Teaching the map directly gives each image ~1000 labelled cells.
Two choices make GAP work as a detector: w is kept ≥ 0 and the background is pulled to 0 with
an L1 term (plus a squared one that makes strong false peaks dearer), so features are off (exact zeros through the Relu) away from nodules and the
average is the nodules' evidence, not the sum of 1000 small leftovers; and the gain that turns
that average into a logit is fitted afterwards instead of learnt through the saturating
sigmoid. The exported graph is the ordinary GAP → Gemm; the heatmap Sluice draws from
(relu4, fc.weight) is the map stage a. trained.
"""
import argparse
import io
import json
import math
import os
import shutil
import subprocess
import sys
import time
import zipfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "onnx"))
import preprocess as P  # noqa: E402  (the reference preprocessing, shared with the Swift tests)

SIZE = 256
MEAN, STD = 0.5, 0.25
REPORT, URGENT, CRITICAL = 0.5, 0.7, 0.9
# (in channels, out channels, stride) of the 3×3 convolutions, each followed by Relu.
LAYERS = [(1, 8, 2), (8, 16, 2), (16, 32, 2), (32, 32, 1)]
FEATURE = SIZE // 8          # side of the last feature map (three stride-2 convs)
CELL = SIZE // FEATURE       # pixels per cell of that map
CACHE_VERSION = 1            # bump when the cached tensors' meaning changes
CAM_TARGET = 16.0            # CAM value taught on a nodule's cells
CAM_POS_WEIGHT = 200.0       # a nodule covers a few of 1024 cells; weight them up so they count
CAM_BG_SQUARE = 1.0          # extra squared penalty on background: strong false peaks cost more

# Training sample sets: (seed, sites, studies per site, modalities or None for the usual mix).
# The mixed sets bring CT and MR; the radiograph-only sets bring more DX/CR, where a study is
# only one image.
TRAIN_SETS = [(s, 4, 12, None) for s in (101, 102, 103, 104, 105, 106)] + \
             [(s, 4, 12, "DX,CR") for s in (201, 202, 203, 204, 205)]
# Calibration (stage b.): sets not used to train the features, so the fitted threshold sees
# the same kind of scores as fresh data will give.
CALIBRATION_SETS = [(107, 4, 12, None), (206, 4, 12, "DX,CR")]
VALIDATION_SET = (900, 5, 12, None)


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

def set_tag(spec):
    seed, sites, per, mods = spec
    return f"seed{seed}-{sites}x{per}" + (f"-{mods.replace(',', '')}" if mods else "")


def start_samples(sluice, spec, folder):
    """Start `sluice samples` for one set (the caller waits); returns the Popen."""
    seed, sites, per, mods = spec
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    cmd = [sluice, "samples", os.path.join(folder, "inbox"), "--seed", str(seed), "--sites", str(sites),
           "--studies-per-site", str(per), "--ground-truth", os.path.join(folder, "ground-truth.json"),
           "--marker", ""]
    if mods:
        cmd += ["--modalities", mods]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def read_set(folder):
    """Preprocess every image of every study in one generated set into arrays."""
    import pydicom
    with open(os.path.join(folder, "ground-truth.json")) as f:
        gt = json.load(f)
    images, labels, ambiguous, study_of, nodules_of = [], [], [], [], []
    studies = []
    zips = {}
    for si, st in enumerate(gt["studies"]):
        batch = st["batch"]
        modality = st["modality"]
        scale = SIZE / st["rows"]
        for name in st["files"]:
            if batch.endswith(".zip"):
                z = zips.get(batch) or zips.setdefault(batch, zipfile.ZipFile(os.path.join(folder, "inbox", batch)))
                ds = pydicom.dcmread(io.BytesIO(z.read(name)))
            else:
                ds = pydicom.dcmread(os.path.join(folder, "inbox", batch, name))
            unit = P.resize(P.window_unit(ds), SIZE, SIZE)
            images.append(((unit - MEAN) / STD).astype(np.float32))
            here = []  # nodules drawn on this image, in 256-pixel coordinates: (x, y, r)
            if modality in ("CT", "MR"):
                z_slice = float(ds.ImagePositionPatient[2])
                pos = amb = False
                for n in st["nodules"]:
                    dz = abs(z_slice - n["center_mm"][2])
                    if dz <= n["radius_mm"]:
                        pos = True
                        here.append((n["x"] * scale, n["y"] * scale, n["radius_px"] * scale))
                    elif dz < 1.75 * n["radius_mm"]:
                        amb = True
            else:
                pos, amb = bool(st["nodules"]), False
                here = [(n["x"] * scale, n["y"] * scale, n["radius_px"] * scale) for n in st["nodules"]]
            labels.append(pos)
            ambiguous.append(amb and not pos)
            study_of.append(si)
            nodules_of.append(here)
        studies.append({"modality": modality, "positive": bool(st["has_finding"]), "key": st["study_instance_uid"]})
    for z in zips.values():
        z.close()
    return {"x": np.stack(images)[:, None], "label": np.array(labels, np.uint8),
            "ambiguous": np.array(ambiguous, np.uint8), "study": np.array(study_of, np.int32),
            "nodules": nodules_of, "studies": studies}


def save_cache(path, d):
    meta = json.dumps({"nodules": d["nodules"], "studies": d["studies"], "version": CACHE_VERSION})
    tmp = path + ".tmp.npz"
    np.savez(tmp, x=d["x"], label=d["label"], ambiguous=d["ambiguous"], study=d["study"], meta=np.array(meta))
    os.replace(tmp, path)


def load_cache(path):
    with np.load(path) as f:
        meta = json.loads(str(f["meta"]))
        return {"x": f["x"], "label": f["label"], "ambiguous": f["ambiguous"], "study": f["study"],
                "nodules": meta["nodules"], "studies": meta["studies"]}


def collect(specs, sluice, work):
    """Each set's arrays, from the cache or generated; the next set is generated while the
    current one is read (the generator and pydicom each keep one core busy)."""
    os.makedirs(work, exist_ok=True)
    cache = {s: os.path.join(work, f"{set_tag(s)}.v{CACHE_VERSION}.npz") for s in specs}
    todo = [s for s in specs if not os.path.exists(cache[s])]
    running = {}
    if todo:
        if not sluice or not os.path.exists(sluice):
            raise SystemExit(f"sluice binary not found ({sluice}); pass --sluice or build it")
        running[todo[0]] = start_samples(sluice, todo[0], os.path.join(work, set_tag(todo[0])))
    for i, s in enumerate(todo):
        proc = running.pop(s)
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"sluice samples failed for {set_tag(s)}: {err.strip()[-500:]}")
        if i + 1 < len(todo):
            nxt = todo[i + 1]
            running[nxt] = start_samples(sluice, nxt, os.path.join(work, set_tag(nxt)))
        t = time.perf_counter()
        folder = os.path.join(work, set_tag(s))
        d = read_set(folder)
        save_cache(cache[s], d)
        shutil.rmtree(folder)
        log(f"  {set_tag(s)}: {len(d['studies'])} studies, {len(d['label'])} images "
            f"({int(d['label'].sum())} positive), read in {time.perf_counter() - t:.0f} s")
    return [load_cache(cache[s]) for s in specs]


def cell_masks(nodule_lists):
    """Per image, the CAM targets on the FEATURE×FEATURE grid: target (1 on cells whose centre
    is within r + one cell of a nodule's centre, so even a small nodule owns a few cells and
    moves the average) and taught (0 in the next ring out, where either answer is defensible)."""
    centres = (np.arange(FEATURE) + 0.5) * CELL
    cy, cx = np.meshgrid(centres, centres, indexing="ij")
    target = np.zeros((len(nodule_lists), FEATURE, FEATURE), np.float32)
    taught = np.ones_like(target)
    for i, nods in enumerate(nodule_lists):
        for x, y, r in nods:
            d = np.hypot(cx - x, cy - y)
            target[i][d <= r + CELL] = 1
            taught[i][(d > r + CELL) & (d <= r + 2 * CELL)] = 0
        taught[i][target[i] > 0] = 1
    return target, taught


# ---------------------------------------------------------------------------------------------
# The network in numpy (NHWC inside; weights [kh, kw, C_in, C_out])
# ---------------------------------------------------------------------------------------------

def init_params(rng):
    p = {}
    for i, (cin, cout, _) in enumerate(LAYERS):
        p[f"W{i}"] = (rng.normal(size=(3, 3, cin, cout)) * math.sqrt(2.0 / (9 * cin))).astype(np.float32)
        p[f"b{i}"] = np.zeros(cout, np.float32)
    # Non-negative from the start (the CAM is evidence for a nodule, never against one).
    p["fc_w"] = np.abs(rng.normal(size=LAYERS[-1][1]) * 0.1).astype(np.float32)
    return p


def conv_forward(x, W, b, stride):
    """3×3 conv, pad 1 (ONNX pads [1,1,1,1]): gather the 9 shifted views (im2col), one matmul."""
    n, h, w, c = x.shape
    ho, wo = (h - 1) // stride + 1, (w - 1) // stride + 1
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    cols = np.empty((n, ho, wo, 3, 3, c), np.float32)
    for i in range(3):
        for j in range(3):
            cols[:, :, :, i, j, :] = xp[:, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride, :]
    cols = cols.reshape(-1, 9 * c)
    y = cols @ W.reshape(9 * c, -1) + b
    return y.reshape(n, ho, wo, -1), cols


def conv_backward(dy, cols, W, x_shape, stride, need_dx):
    n, h, w, c = x_shape
    _, ho, wo, m = dy.shape
    dy2 = dy.reshape(-1, m)
    dW = (cols.T @ dy2).reshape(W.shape)
    db = dy2.sum(0)
    if not need_dx:
        return None, dW, db
    dcols = (dy2 @ W.reshape(9 * c, m).T).reshape(n, ho, wo, 3, 3, c)
    dxp = np.zeros((n, h + 2, w + 2, c), np.float32)
    for i in range(3):  # col2im: each of the 9 views adds back where it was read from
        for j in range(3):
            dxp[:, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride, :] += dcols[:, :, :, i, j, :]
    return dxp[:, 1:-1, 1:-1, :], dW, db


def features(p, x, keep=False):
    """x: [N, H, W, 1] normalized. Returns the last Relu's map F [N, 32, 32, 32] (NHWC), and
    with keep=True the per-layer caches for backward."""
    caches = []
    a = x
    for i, (_, _, s) in enumerate(LAYERS):
        z, cols = conv_forward(a, p[f"W{i}"], p[f"b{i}"], s)
        if keep:
            caches.append((a.shape, cols, z))
        a = np.maximum(z, 0)
    return (a, caches) if keep else a


def mean_cam(p, x_nchw, batch=64):
    """mean(CAM) = GAP(F)·w per image: the exported graph's logit before gain and bias."""
    out = []
    for i in range(0, len(x_nchw), batch):
        xb = np.ascontiguousarray(x_nchw[i:i + batch].transpose(0, 2, 3, 1))
        out.append(features(p, xb).mean(axis=(1, 2)) @ p["fc_w"])
    return np.concatenate(out)


def predict(p, x_nchw):
    """Probabilities as the exported graph computes them."""
    return 1 / (1 + np.exp(-(p["gain"] * mean_cam(p, x_nchw) + p["bias"])))


def loss_and_grads(p, x, cam_target, cam_taught):
    """The CAM loss and its gradients. Nodule cells: CAM_POS_WEIGHT·((CAM − T)/T)².
    Background cells: |CAM|/T, an L1 pull that switches features off (exact zeros through the
    Relu) rather than leaving small values for 1024 cells to add up, plus CAM_BG_SQUARE·(CAM/T)²
    so that a strong false peak (a rib end at the lung's edge) costs more than faint haze."""
    feat, caches = features(p, x, keep=True)
    n = len(x)
    cam = feat @ p["fc_w"]                                   # [N, FEATURE, FEATURE]
    pos = cam_target > 0
    err = (cam - CAM_TARGET) / CAM_TARGET
    norm = 1.0 / (n * FEATURE * FEATURE)
    rel = cam / CAM_TARGET
    per_cell = np.where(pos, CAM_POS_WEIGHT * err * err, np.abs(rel) + CAM_BG_SQUARE * rel * rel) * cam_taught
    loss = float(norm * per_cell.sum())
    dcam = np.where(pos, CAM_POS_WEIGHT * 2 * err, np.sign(cam) + CAM_BG_SQUARE * 2 * rel) / CAM_TARGET
    dcam = (norm * dcam * cam_taught).astype(np.float32)
    g = {"fc_w": np.tensordot(dcam, feat, axes=([0, 1, 2], [0, 1, 2])).astype(np.float32)}
    da = dcam[..., None] * p["fc_w"]
    for i in reversed(range(len(LAYERS))):
        shape, cols, z = caches[i]
        dz = (da * (z > 0)).astype(np.float32)
        da, g[f"W{i}"], g[f"b{i}"] = conv_backward(dz, cols, p[f"W{i}"], shape, LAYERS[i][2], need_dx=i > 0)
    return loss, cam, g


class Adam:
    def __init__(self, params):
        self.t = 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params, grads, lr):
        b1, b2, eps = 0.9, 0.999, 1e-8
        self.t += 1
        for k in grads:
            g = grads[k].astype(np.float32)
            self.m[k] = b1 * self.m[k] + (1 - b1) * g
            self.v[k] = b2 * self.v[k] + (1 - b2) * g * g
            mh = self.m[k] / (1 - b1 ** self.t)
            vh = self.v[k] / (1 - b2 ** self.t)
            params[k] -= (lr * mh / (np.sqrt(vh) + eps)).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

def is_radiograph(d):
    return np.array([d["studies"][s]["modality"] in ("DX", "CR") for s in d["study"]], bool)


def train_features(sets, epochs, batch, lr, seed):
    """Stage a.: conv layers and w from the CAM loss. Returns (params, seconds, images used)."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([d["x"] for d in sets])
    label = np.concatenate([d["label"] for d in sets]).astype(bool)
    amb = np.concatenate([d["ambiguous"] for d in sets]).astype(bool)
    radiograph = np.concatenate([is_radiograph(d) for d in sets])
    cam_target, cam_taught = cell_masks([n for d in sets for n in d["nodules"]])
    rad = np.flatnonzero(radiograph)
    slice_pos = np.flatnonzero(~radiograph & label)
    slice_neg = np.flatnonzero(~radiograph & ~label & ~amb)
    # Negative slices per epoch: twice the positive slices (a CT study is 50 slices, most of
    # them empty; a fresh draw each epoch shows the model many of them over the run).
    n_neg = min(len(slice_neg), 2 * len(slice_pos))
    log(f"training pool: {len(rad)} radiographs ({int(label[rad].sum())} positive), "
        f"{len(slice_pos)} positive slices, {len(slice_neg)} negative slices ({n_neg} drawn per epoch), "
        f"{int(amb.sum())} edge slices left out")
    params = init_params(rng)
    opt = Adam(params)
    epoch_size = len(rad) + len(slice_pos) + n_neg
    total = math.ceil(epoch_size / batch) * epochs
    step = 0
    used = set()
    t0 = time.perf_counter()
    for epoch in range(epochs):
        idx = np.concatenate([rad, slice_pos, rng.choice(slice_neg, n_neg, replace=False)])
        used.update(idx.tolist())
        rng.shuffle(idx)
        losses, at_nodule, background = [], [], []
        for k in range(0, len(idx), batch):
            b = idx[k:k + batch]
            xb = x[b, 0].copy()
            tb, gb = cam_target[b].copy(), cam_taught[b].copy()
            # Flips: a nodule is a nodule in either lung and at any height. The cell grid
            # divides the image evenly, so a flipped image has the flipped grid.
            hflip = rng.random(len(b)) < 0.5
            vflip = rng.random(len(b)) < 0.5
            for m in (xb, tb, gb):
                m[hflip] = m[hflip, :, ::-1]
                m[vflip] = m[vflip, ::-1, :]
            # Cosine decay to 5 % of the initial rate, after a short warm-up.
            cur = lr * min(1.0, (step + 1) / 50) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / total)))
            loss, cam, g = loss_and_grads(params, np.ascontiguousarray(xb[..., None]), tb, gb)
            opt.step(params, g, cur)
            np.maximum(params["fc_w"], 0, out=params["fc_w"])  # keep w ≥ 0 (projected step)
            step += 1
            losses.append(loss)
            if (tb > 0).any():
                at_nodule.append(float(cam[tb > 0].mean()))
            background.append(float(np.abs(cam[(tb == 0) & (gb > 0)]).mean()))
        log(f"epoch {epoch + 1:2d}/{epochs}: loss {np.mean(losses):.4f}, CAM on nodules {np.mean(at_nodule):5.2f} "
            f"(target {CAM_TARGET:g}), |CAM| elsewhere {np.mean(background):.3f}, {time.perf_counter() - t0:.0f} s")
    return params, time.perf_counter() - t0, len(used)


def study_scores(values, d):
    """Max over each study's images, as Sluice scores a study; and the studies' labels."""
    scores = np.array([values[d["study"] == si].max() for si in range(len(d["studies"]))])
    labels = np.array([st["positive"] for st in d["studies"]], bool)
    return scores, labels


def calibrate(params, sets):
    """Stage b.: gain and bias of logit = gain·mean(CAM) + bias, by weighted logistic
    regression over the calibration studies (each class weighing half). A small ridge on the
    standardized gain keeps it finite when the classes separate, so probabilities stay graded
    (the urgent/critical thresholds need more than 0 and 1)."""
    zs, ys = [], []
    for d in sets:
        z, y = study_scores(mean_cam(params, d["x"]), d)
        zs.append(z)
        ys.append(y)
    z, y = np.concatenate(zs).astype(np.float64), np.concatenate(ys).astype(np.float64)
    if y.min() == y.max():
        raise SystemExit("calibration sets need both positive and negative studies")
    scale = z.std() or 1.0
    u = z / scale
    w = np.where(y > 0, 0.5 / y.mean(), 0.5 / (1 - y.mean())) / len(y)
    theta = np.zeros(2)  # [standardized gain, bias]
    ridge = 1e-3
    for _ in range(100):  # Newton's method on a convex 2-parameter problem
        logit = theta[0] * u + theta[1]
        prob = 1 / (1 + np.exp(-logit))
        r = w * (prob - y)
        grad = np.array([np.sum(r * u) + ridge * theta[0], np.sum(r)])
        h = w * prob * (1 - prob)
        hess = np.array([[np.sum(h * u * u) + ridge, np.sum(h * u)], [np.sum(h * u), np.sum(h)]])
        delta = np.linalg.solve(hess, grad)
        theta -= delta
        if np.abs(delta).max() < 1e-10:
            break
    gain, bias = theta[0] / scale, theta[1]
    called = gain * z + bias >= 0
    log(f"calibration on {len(y)} studies: logit = {gain:.2f}·mean(CAM) {bias:+.3f}; "
        f"threshold mean(CAM) = {-bias / gain:.4f}; sensitivity {called[y > 0].mean():.3f}, "
        f"specificity {(~called[y == 0]).mean():.3f} on these studies")
    params["gain"], params["bias"] = np.float32(gain), np.float32(bias)
    return params, gain > 0


# ---------------------------------------------------------------------------------------------
# Export and checks
# ---------------------------------------------------------------------------------------------

def export_onnx(params, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    inits, nodes = [], []
    prev = "image"
    for i, (_, _, s) in enumerate(LAYERS):
        w = np.ascontiguousarray(params[f"W{i}"].transpose(3, 2, 0, 1))  # → [M, C, kh, kw]
        inits += [numpy_helper.from_array(w, f"conv{i + 1}.weight"),
                  numpy_helper.from_array(params[f"b{i}"], f"conv{i + 1}.bias")]
        nodes.append(helper.make_node("Conv", [prev, f"conv{i + 1}.weight", f"conv{i + 1}.bias"], [f"conv{i + 1}"],
                                      name=f"conv{i + 1}", kernel_shape=[3, 3], strides=[s, s], pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", [f"conv{i + 1}"], [f"relu{i + 1}"], name=f"relu{i + 1}"))
        prev = f"relu{i + 1}"
    # logit = gain·(GAP(F)·w) + bias = GAP(F)·(gain·w) + bias: the gain goes into B.
    b_matrix = (params["fc_w"].astype(np.float64) * float(params["gain"])).astype(np.float32).reshape(-1, 1)
    inits += [numpy_helper.from_array(b_matrix, "fc.weight"),
              numpy_helper.from_array(np.array([params["bias"]], np.float32), "fc.bias")]
    nodes += [helper.make_node("GlobalAveragePool", [prev], ["gap"], name="gap"),
              helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1),
              helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logit"], name="fc"),
              helper.make_node("Sigmoid", ["logit"], ["probability"], name="sigmoid")]
    graph = helper.make_graph(
        nodes, "sluice-demo-nodule",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, SIZE, SIZE])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="sluice-train-demo-model", producer_version="1",
                              doc_string="Demo nodule detector for Sluice's synthetic phantoms. Not for clinical use.")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(model.SerializeToString())
    os.replace(tmp, path)
    return "relu4", "fc.weight"


def ort_session(path):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def check_agreement(params, path, x):
    """onnxruntime on the exported file against the numpy forward pass, on the same inputs."""
    ours = predict(params, x)
    theirs = ort_session(path).run(["probability"], {"image": x})[0][:, 0]
    diff = float(np.abs(ours - theirs).max())
    log(f"onnxruntime vs numpy on {len(x)} images: max |Δprobability| = {diff:.2e} (limit 1e-4)")
    if not diff <= 1e-4:
        raise SystemExit("exported model disagrees with the numpy forward pass")
    return diff


def evaluate(path, d):
    """Per-study sensitivity/specificity on one set, with onnxruntime on the exported model."""
    sess = ort_session(path)
    prob = np.concatenate([sess.run(["probability"], {"image": d["x"][i:i + 16]})[0][:, 0]
                           for i in range(0, len(d["x"]), 16)])
    rows = {}
    tp = fn = tn = fp = 0
    for si, st in enumerate(d["studies"]):
        score = float(prob[d["study"] == si].max())
        called = score >= REPORT
        r = rows.setdefault(st["modality"], [0, 0, 0, 0])
        if st["positive"]:
            tp += called; fn += not called
            r[0] += called; r[1] += not called
        else:
            tn += not called; fp += called
            r[2] += not called; r[3] += called
    sens = tp / max(tp + fn, 1)
    spec = tn / max(tn + fp, 1)
    log(f"validation per study (threshold {REPORT}): sensitivity {sens:.3f} ({tp}/{tp + fn}), "
        f"specificity {spec:.3f} ({tn}/{tn + fp})")
    for m in sorted(rows):
        a, b, c, e = rows[m]
        log(f"  {m}: positives found {a}/{a + b}, negatives cleared {c}/{c + e}")
    return {"studies": len(d["studies"]), "sensitivity": sens, "specificity": spec,
            "tp": tp, "fn": fn, "tn": tn, "fp": fp, "prob": prob}


def cam_pointing(params, d, prob):
    """How often the CAM's peak cell falls on a nodule (its centre within r + one cell of the
    nodule's centre, the region stage a. taught), over the positive images the model calls
    positive: a check that the heatmap Sluice draws points at the finding."""
    hits = total = 0
    for i in np.flatnonzero((d["label"] > 0) & (prob >= REPORT)):
        xb = np.ascontiguousarray(d["x"][i:i + 1].transpose(0, 2, 3, 1))
        cam = features(params, xb)[0] @ params["fc_w"]
        r, c = np.unravel_index(np.argmax(cam), cam.shape)
        cx, cy = (c + 0.5) * SIZE / FEATURE, (r + 0.5) * SIZE / FEATURE
        total += 1
        hits += any(math.hypot(cx - x, cy - y) <= rad + CELL for x, y, rad in d["nodules"][i])
    return hits, total


DESCRIPTOR = """\
# Sluice model descriptor for the demo nodule detector. Written by tools/train_demo_model.py;
# rerun that script rather than editing the figures under `training:` by hand.
# Trained in {train_s:.0f} s ({epochs} epochs; {images} images, of which those of seeds {ncal} only
# calibrate gain and bias) with numpy on {cores} cores. Validation on seed {val_seed}, per study at the
# report threshold: {tp}/{npos} positive studies found, {tn}/{nneg} negative studies cleared.
name: sluice-demo-nodule
version: "1.0.0"
model: demo.onnx                 # relative to this file
description: "Demo detector of round nodules in Sluice's synthetic chest phantoms (sluice samples: DX, CR, CT and MR), trained on 2D images of {nstudies} generated studies. It has never seen a real patient image: not for clinical use."
input: {{ name: image, layout: NCHW, channels: 1, height: {size}, width: {size} }}
preprocess: {{ window: file, mean: {mean}, std: {std} }}
output: {{ name: probability, activation: none }}   # none | sigmoid | softmax: applied by Sluice after the graph
heatmap: cam                     # cam | occlusion | none
cam: {{ features: {features}, weights: {weights} }}
labels:
  - name: Nodule
    code: "27925004"
    scheme: SCT
    meaning: Nodule
    site: {{ code: "39607008", scheme: SCT, meaning: Lung }}
    thresholds: {{ report: {report}, urgent: {urgent}, critical: {critical} }}
training: {{ seeds: [{seeds}], images: {images}, epochs: {epochs}, validation: {{ seed: {val_seed}, studies: {val_studies}, sensitivity: {sens:.3f}, specificity: {spec:.3f} }} }}
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    default_bin = os.environ.get("SLUICE_BIN") or next(
        (b for b in (os.path.join(ROOT, ".build", "release", "sluice"), os.path.join(ROOT, ".build", "debug", "sluice"))
         if os.path.exists(b)), None)
    ap.add_argument("--sluice", default=default_bin, help="the sluice binary (default: $SLUICE_BIN, else .build/release|debug/sluice)")
    ap.add_argument("--work", default=os.path.join(ROOT, "var", "demo-train"), help="cache of preprocessed sample sets")
    ap.add_argument("--out", default=os.path.join(ROOT, "models"), help="where demo.onnx and demo.yaml go")
    ap.add_argument("--epochs", type=int, default=32, help="passes of stage a. (default 32)")
    ap.add_argument("--batch", type=int, default=16, help="images per Adam step (default 16)")
    ap.add_argument("--lr", type=float, default=2e-3, help="peak Adam learning rate, cosine-decayed (default 2e-3)")
    ap.add_argument("--seed", type=int, default=7, help="seed of initialization, sampling and augmentation")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: small sets, 2 epochs (figures meaningless; use with --out elsewhere)")
    args = ap.parse_args(argv)

    train_specs, cal_specs, val_spec = TRAIN_SETS, CALIBRATION_SETS, VALIDATION_SET
    if args.quick:
        train_specs, cal_specs, val_spec = [(101, 2, 4, None), (201, 2, 4, "DX,CR")], [(107, 1, 8, None)], (900, 1, 6, None)
        args.epochs = 2
    fit_seeds = [s[0] for s in train_specs + cal_specs]
    if val_spec[0] in fit_seeds or len(set(fit_seeds)) != len(fit_seeds):
        raise SystemExit("every set needs its own seed, and validation one not used for fitting")

    t_all = time.perf_counter()
    log(f"data: {len(train_specs)} training sets, {len(cal_specs)} calibration sets, "
        f"validation seed {val_spec[0]} (cache {args.work})")
    t = time.perf_counter()
    sets = collect(train_specs + cal_specs + [val_spec], args.sluice, args.work)
    train_sets, cal_sets, val = sets[:len(train_specs)], sets[len(train_specs):-1], sets[-1]
    log(f"data ready in {time.perf_counter() - t:.0f} s")

    params, train_s, images = train_features(train_sets, args.epochs, args.batch, args.lr, args.seed)
    t = time.perf_counter()
    params, sane = calibrate(params, cal_sets)
    if not sane and not args.quick:
        raise SystemExit("calibration gave a gain ≤ 0: the features did not learn to see nodules")
    train_s += time.perf_counter() - t
    images += sum(len(d["label"]) for d in cal_sets)
    log(f"training took {train_s:.0f} s ({train_s / 60:.1f} min)")

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "demo.onnx")
    cam_features, cam_weights = export_onnx(params, onnx_path)
    size = os.path.getsize(onnx_path)
    log(f"wrote {onnx_path} ({size / 1024:.0f} KiB)")
    if size >= 2 * 1024 * 1024:
        raise SystemExit("demo.onnx must stay under 2 MB")
    pick = np.random.default_rng(0).choice(len(val["x"]), min(32, len(val["x"])), replace=False)
    check_agreement(params, onnx_path, val["x"][np.sort(pick)])

    res = evaluate(onnx_path, val)
    hits, total = cam_pointing(params, val, res["prob"])
    log(f"CAM peak on a nodule in {hits}/{total} detected positive images")

    seeds = ", ".join(str(s) for s in fit_seeds)
    text = DESCRIPTOR.format(
        train_s=train_s, epochs=args.epochs, images=images, cores=os.cpu_count(), val_seed=val_spec[0],
        tp=res["tp"], npos=res["tp"] + res["fn"], tn=res["tn"], nneg=res["tn"] + res["fp"],
        nstudies=sum(len(d["studies"]) for d in train_sets + cal_sets), ncal=", ".join(str(s[0]) for s in cal_specs), size=SIZE, mean=MEAN, std=STD,
        features=cam_features, weights=cam_weights, report=REPORT, urgent=URGENT, critical=CRITICAL, seeds=seeds,
        val_studies=res["studies"], sens=res["sensitivity"], spec=res["specificity"])
    with open(os.path.join(args.out, "demo.yaml"), "w") as f:
        f.write(text)
    log(f"wrote {os.path.join(args.out, 'demo.yaml')}; total {time.perf_counter() - t_all:.0f} s")
    if not args.quick and (res["sensitivity"] < 0.9 or res["specificity"] < 0.9):
        log("warning: validation sensitivity or specificity is below the 0.9 aim")
    return 0


if __name__ == "__main__":
    sys.exit(main())
