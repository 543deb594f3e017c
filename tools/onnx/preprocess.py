#!/usr/bin/env python3
"""Reference preprocessing for Sluice models: one DICOM image → the model's input tensor.

    python3 tools/onnx/preprocess.py DESCRIPTOR.yaml FILE.dcm OUT.npy [--frame K]

The Swift side (`sluice infer`) implements the same contract and its tests compare the two
tensors, so every step here is written out rather than delegated to a library whose
conventions might drift (pydicom's apply_voi_lut, scipy/PIL resizing):

1. frame   = pixel_array as float64 (frame K of a multi-frame image, default the first)
2. modality LUT: v = frame·RescaleSlope + RescaleIntercept (defaults 1 and 0)
3. window  `file`: the first WindowCenter/WindowWidth pair, DICOM LINEAR (PS3.3 C.11.2.1.2.1)
               y = clip((v − (c − 0.5)) / (w − 1) + 0.5, 0, 1)
           and a width ≤ 1 (which the standard forbids for LINEAR) becomes a threshold:
               y = 1 where v > c − 0.5, else 0 (as Sluice's Kernels/VOIWindow does).
           No window in the file: min–max of the frame, y = (v − min)/(max − min); a constant
           frame gives all 0. `{center: C, width: W}` in the descriptor: that window, LINEAR.
4. MONOCHROME1: y = 1 − y (after windowing, so "bright = dense" for every file)
5. resize to H×W, each axis on its own: when the source length is an integer multiple of the
   target, the mean of each block (box filter, so a 2048² radiograph loses no pixels to
   aliasing); otherwise linear interpolation with half-pixel centres,
   s = (o + 0.5)·in/out − 0.5 clamped to [0, in − 1], i0 = floor(s), i1 = min(i0 + 1, in − 1).
   Rows are resized first, then columns; both passes are linear, so the order does not
   change the result beyond rounding.
6. normalize: (y − mean)/std, float32, shape [1, 1, H, W].
All arithmetic before the final cast is float64.
"""
import argparse
import sys

import numpy as np


class PreprocessError(Exception):
    """A file or descriptor that this contract cannot handle; the message says why."""


# -- the steps, each usable on its own (the training script and tests call them) -------------

def read_frame(source, frame=0):
    """Return (pixels as float64 [rows, cols], the pydicom dataset). `source` is a path, a
    binary file object (e.g. a zip member) or an already read pydicom Dataset."""
    import pydicom
    ds = source if isinstance(source, pydicom.Dataset) else pydicom.dcmread(source)
    name = getattr(source, "name", None) or (source if isinstance(source, str) else "<dataset>")
    if "PixelData" not in ds:
        raise PreprocessError(f"{name}: no pixel data")
    samples = int(ds.get("SamplesPerPixel", 1))
    if samples != 1:
        raise PreprocessError(f"{name}: {samples} samples per pixel; only single-channel images are supported")
    arr = ds.pixel_array
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        if not 0 <= frame < frames:
            raise PreprocessError(f"{name}: frame {frame} asked for, the file has {frames}")
        arr = arr[frame]
    elif frame != 0:
        raise PreprocessError(f"{name}: frame {frame} asked for, the file has one frame")
    if arr.ndim != 2:
        raise PreprocessError(f"{name}: pixel array has shape {arr.shape}, expected rows × columns")
    return arr.astype(np.float64), ds


def _first(value):
    """WindowCenter/WindowWidth may be multi-valued; the first value is the default window."""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return float(value[0])
    return float(value)


def modality_lut(pixels, ds):
    slope = ds.get("RescaleSlope")
    intercept = ds.get("RescaleIntercept")
    slope = 1.0 if slope in (None, "") else float(slope)
    intercept = 0.0 if intercept in (None, "") else float(intercept)
    return pixels * slope + intercept


def file_window(ds):
    """(center, width) from the file's first window, or None when it has none."""
    c, w = ds.get("WindowCenter"), ds.get("WindowWidth")
    if c is None or w is None or c == "" or w == "":
        return None
    return _first(c), _first(w)


def linear_window(values, center, width):
    """DICOM LINEAR VOI function mapped to [0, 1]."""
    if width <= 1:
        return (values > center - 0.5).astype(np.float64)
    return np.clip((values - (center - 0.5)) / (width - 1) + 0.5, 0.0, 1.0)


def min_max(values):
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        return np.zeros_like(values)
    return (values - lo) / (hi - lo)


def _resize_axis(a, out, axis):
    n = a.shape[axis]
    if n == out:
        return a
    if n % out == 0:
        # Box filter: the mean of each block of n/out source samples.
        k = n // out
        shape = list(a.shape)
        shape[axis:axis + 1] = [out, k]
        return a.reshape(shape).mean(axis=axis + 1)
    s = (np.arange(out, dtype=np.float64) + 0.5) * (n / out) - 0.5
    s = np.clip(s, 0.0, n - 1)
    i0 = np.floor(s).astype(np.int64)
    i1 = np.minimum(i0 + 1, n - 1)
    w1 = s - i0
    a0, a1 = np.take(a, i0, axis=axis), np.take(a, i1, axis=axis)
    wshape = [1] * a.ndim
    wshape[axis] = out
    w1 = w1.reshape(wshape)
    return a0 * (1.0 - w1) + a1 * w1


def resize(image, height, width):
    """Resize a 2-D float64 image to height × width (box filter or half-pixel bilinear per axis)."""
    return _resize_axis(_resize_axis(image, height, 0), width, 1)


# -- the whole contract ---------------------------------------------------------------------

def window_unit(source, window="file", frame=0):
    """Steps 1–4: the frame windowed to [0, 1], MONOCHROME1 inverted; float64 [rows, cols].
    `source` as for read_frame."""
    pixels, ds = read_frame(source, frame)
    values = modality_lut(pixels, ds)
    if window == "file":
        cw = file_window(ds)
        y = linear_window(values, *cw) if cw is not None else min_max(values)
    elif isinstance(window, dict) and "center" in window and "width" in window:
        y = linear_window(values, float(window["center"]), float(window["width"]))
    else:
        raise PreprocessError(f"window must be 'file' or {{center: C, width: W}}, not {window!r}")
    if str(ds.get("PhotometricInterpretation", "")).strip() == "MONOCHROME1":
        y = 1.0 - y
    return y


def preprocess(source, height, width, window="file", mean=0.5, std=0.25, frame=0):
    """Steps 1–6 for one image: float32 [1, 1, height, width]."""
    if std == 0:
        raise PreprocessError("std must not be 0")
    y = resize(window_unit(source, window, frame), height, width)
    return ((y - mean) / std).astype(np.float32).reshape(1, 1, height, width)


def load_descriptor(path):
    """The parts of a model descriptor (models/*.yaml) that preprocessing reads."""
    try:
        import yaml
    except ImportError:
        raise PreprocessError("PyYAML is needed to read descriptors: pip install pyyaml")
    with open(path) as f:
        d = yaml.safe_load(f)
    try:
        inp, pre = d["input"], d["preprocess"]
        channels = int(inp.get("channels", 1))
        if channels != 1:
            raise PreprocessError(f"{path}: input.channels is {channels}; this contract makes 1")
        if inp.get("layout", "NCHW") != "NCHW":
            raise PreprocessError(f"{path}: input.layout must be NCHW")
        return {"height": int(inp["height"]), "width": int(inp["width"]),
                "window": pre.get("window", "file"),
                "mean": float(pre.get("mean", 0.0)), "std": float(pre.get("std", 1.0))}
    except (KeyError, TypeError, ValueError) as e:
        raise PreprocessError(f"{path}: descriptor lacks or mistypes {e}")


def preprocess_with_descriptor(descriptor_path, dicom_path, frame=0):
    p = load_descriptor(descriptor_path)
    return preprocess(dicom_path, p["height"], p["width"], p["window"], p["mean"], p["std"], frame)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("descriptor", help="model descriptor (e.g. models/demo.yaml)")
    ap.add_argument("dicom", help="the DICOM file")
    ap.add_argument("out", help="where to write the float32 [1,1,H,W] tensor (.npy)")
    ap.add_argument("--frame", type=int, default=0, help="frame of a multi-frame image (default 0, the first)")
    args = ap.parse_args(argv)
    try:
        x = preprocess_with_descriptor(args.descriptor, args.dicom, args.frame)
    except (PreprocessError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # pydicom decode errors and the like: say which file
        print(f"error: {args.dicom}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    np.save(args.out, x)
    return 0


if __name__ == "__main__":
    sys.exit(main())
