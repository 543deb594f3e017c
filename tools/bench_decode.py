#!/usr/bin/env python3
"""Decode benchmark: Sluice's codecs against pydicom (+pylibjpeg) and dcmtk on one drop per syntax.

Generates (once, seeded) a native drop of 512x512 CT-like frames (16 bits allocated, 12 stored;
8-bit frames for JPEG baseline) and compresses it into one drop per transfer syntax with
independent encoders: dcmtk's dcmcjpeg (JPEG lossless SV1 and process 14, baseline, extended)
and dcmcjpls (JPEG-LS lossless and near-lossless), pydicom with pylibjpeg-openjpeg (JPEG 2000).
Then, warm cache, whole processes, for each drop:
  * ours:    `sluice inspect FILES... --pixels-dir OUT` (one process, files decoded on the worker
             threads as the pipeline decodes them, each written as .npy),
  * pydicom: one Python process, `dcmread(f).pixel_array` for every file, saved with numpy,
  * dcmtk:   `dcmdjpeg` / `dcmdjpls` one process per file (it takes one file), where it has a codec.
Prints files/s and our ratio to each peer (target: at least 2x the faster one). Then the
metadata scan (`sluice scan`) of each compressed drop against the native one (target: no slower).

Usage: tools/bench_decode.py [--files N] [--repeat R]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SLUICE_BIN") or os.path.join(ROOT, ".build", "release", "sluice")
WORK = os.path.join(ROOT, "var", "bench", "decode")
CORPUS_VERSION = 1

# name, transfer syntax UID, how to make it from the native file (src, dst), dcmtk decoder
SYNTAXES = [
    ("jpeg-lossless-sv1", "1.2.840.10008.1.2.4.70", ["dcmcjpeg", "+e1"], "dcmdjpeg"),
    ("jpeg-lossless-p14", "1.2.840.10008.1.2.4.57", ["dcmcjpeg", "+el", "+sv", "6"], "dcmdjpeg"),
    ("jpeg-baseline", "1.2.840.10008.1.2.4.50", ["dcmcjpeg", "+eb"], "dcmdjpeg"),
    ("jpeg-extended-12", "1.2.840.10008.1.2.4.51", ["dcmcjpeg", "+ee"], "dcmdjpeg"),
    ("jpeg-ls-lossless", "1.2.840.10008.1.2.4.80", ["dcmcjpls", "+el"], "dcmdjpls"),
    ("jpeg-ls-near", "1.2.840.10008.1.2.4.81", ["dcmcjpls", "+en"], "dcmdjpls"),
    ("jpeg2000-lossless", "1.2.840.10008.1.2.4.90", "pydicom", None),
    ("jpeg2000", "1.2.840.10008.1.2.4.91", "pydicom", None),
]


def native(path, seed, eight_bit):
    import numpy as np
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:512, 0:512]
    body = ((x - 256) ** 2 / 200 ** 2 + (y - 256) ** 2 / 160 ** 2) < 1
    img = np.where(body, 1000 + 300 * np.sin(x / 17.0) * np.cos(y / 23.0), 24) + rng.normal(0, 20, (512, 512))
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.1", "1.2.826.0.1.3680043.8.498.2"
    ds.PatientID, ds.Modality, ds.AccessionNumber = "BENCH", "CT", "A1"
    ds.Rows = ds.Columns = 512
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PixelRepresentation = 1, "MONOCHROME2", 0
    if eight_bit:
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
        ds.PixelData = np.clip(img / 8, 0, 255).astype(np.uint8).tobytes()
    else:
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
        ds.PixelData = np.clip(img, 0, 4095).astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)


def make_corpus(n):
    stamp = os.path.join(WORK, f"corpus-{CORPUS_VERSION}-{n}")
    if os.path.exists(stamp):
        return
    shutil.rmtree(WORK, ignore_errors=True)
    for eight in (False, True):
        d = os.path.join(WORK, "native8" if eight else "native")
        os.makedirs(d)
        for i in range(n):
            native(os.path.join(d, f"f{i:03}.dcm"), 1000 + i, eight)
    import pydicom
    from pydicom.uid import JPEG2000Lossless, JPEG2000
    for name, uid, how, _ in SYNTAXES:
        d = os.path.join(WORK, name)
        os.makedirs(d)
        src = os.path.join(WORK, "native8" if name == "jpeg-baseline" else "native")
        for f in sorted(os.listdir(src)):
            if how == "pydicom":
                ds = pydicom.dcmread(os.path.join(src, f))
                if uid.endswith(".90"):
                    ds.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg")
                else:
                    ds.compress(JPEG2000, encoding_plugin="pylibjpeg", j2k_cr=[10])
                ds.save_as(os.path.join(d, f))
            else:
                subprocess.run(how + [os.path.join(src, f), os.path.join(d, f)], check=True)
    open(stamp, "w").close()


def timed(cmd, repeat):
    best = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best.append(time.perf_counter() - t)
    return statistics.median(best)


PYDICOM = """
import sys, warnings, numpy as np, pydicom
warnings.simplefilter("ignore")
out = sys.argv[1]
for i, f in enumerate(sys.argv[2:]):
    np.save(f"{out}/{i}.npy", pydicom.dcmread(f).pixel_array)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    make_corpus(args.files)
    out = os.path.join(WORK, "out")
    print(f"\n== decode: {args.files} files of 512x512 per syntax, whole processes, median of {args.repeat} ==")
    print(f"{'syntax':<20}{'ours f/s':>10}{'pydicom f/s':>13}{'dcmtk f/s':>11}{'vs pydicom':>12}{'vs dcmtk':>10}{'vs faster':>11}")
    for name, uid, _, dcmtk in SYNTAXES:
        d = os.path.join(WORK, name)
        files = [os.path.join(d, f) for f in sorted(os.listdir(d))]
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        ours = timed([BIN, "inspect", *files, "--pixels-dir", out], args.repeat)
        theirs = timed([sys.executable, "-c", PYDICOM, out, *files], args.repeat)
        peer = None
        if dcmtk:
            def each():
                for i, f in enumerate(files):
                    subprocess.run([dcmtk, f, os.path.join(out, f"{i}.dcm")], check=True)
            reps = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                each()
                reps.append(time.perf_counter() - t)
            peer = statistics.median(reps)
        n = len(files)
        fastest = min(theirs, peer) if peer else theirs
        print(f"{name:<20}{n / ours:>10.1f}{n / theirs:>13.1f}{(n / peer if peer else float('nan')):>11.1f}"
              f"{theirs / ours:>11.1f}x{(peer / ours if peer else float('nan')):>9.1f}x{fastest / ours:>10.1f}x")
    print("target: at least 2x the faster peer per syntax")
    print(f"\n== metadata scan (sluice scan) of each drop, files/s, median of {args.repeat} ==")
    base = timed([BIN, "scan", os.path.join(WORK, "native")], args.repeat)
    print(f"{'native':<20}{args.files / base:>10.1f}")
    for name, _, _, _ in SYNTAXES:
        t = timed([BIN, "scan", os.path.join(WORK, name)], args.repeat)
        print(f"{name:<20}{args.files / t:>10.1f}  ({base / t:.2f}x the native drop's rate)")
    print("target: a compressed drop scans no slower than the native one")


if __name__ == "__main__":
    main()
