#!/usr/bin/env python3
"""Metadata-parse benchmark: Sluice's reader vs pydicom vs dcmtk on one generated corpus.

Generates (once, seeded) a corpus of CT/DX-like Part 10 files with pydicom — independent of our
writer — in a mix of transfer syntaxes, then times, on the same files, warm cache:
  * ours:    `sluice scan --timing` on the folder: it lists the folder, reads and parses every
             file up to the pixel data and checks its required attributes (the validate stage),
             then groups the instances into studies; timed inside the process, per stage, and as
             a whole process,
  * pydicom: `dcmread(f, stop_before_pixels=True)` for every file of a ready-made list, timed
             inside the process (its loop) and as a whole process (interpreter and import too),
  * dcmtk:   `dcmdump -q` with many files per process (its fastest mode), whole processes.
Prints files/s and MB/s for each and our ratios. The target is >= 30x pydicom's files/s for the
same work timed the same way: our validate stage (open, read, parse, check each file) against
pydicom's dcmread loop, both inside the process; the whole scan (listing and grouping too) and
whole processes (start-up too) are printed beside it.

Usage: tools/bench_dicom.py [--files N] [--corpus DIR] [--ours "CMD {dir}"] [--repeat R]
A custom --ours command is timed as a whole process only, unless it prints a `timing: ...
validate X ms, ..., total Y ms` line on standard error as `sluice scan --timing` does.
"""
import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time


# Bumped whenever generate() changes. 2: Frame of Reference UIDs of their own (the study UID
# plus ".1" ran past the 64 characters PS3.5 9.1 allows).
CORPUS_VERSION = 2


def generate(corpus, n, seed=1234):
    import numpy as np
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import (ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid)

    os.makedirs(corpus, exist_ok=True)
    rng = random.Random(seed)
    sizes = [(512, 512), (512, 512), (256, 256), (512, 512)]
    for i in range(n):
        rows, cols = sizes[i % len(sizes)] if i % 25 else (2048, 2048)
        ds = Dataset()
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        ds.SOPInstanceUID = generate_uid(entropy_srcs=[str(seed), str(i)])
        ds.StudyDate = "20240102"; ds.SeriesDate = "20240102"; ds.ContentDate = "20240102"
        ds.StudyTime = "101500"; ds.ContentTime = "101600"
        ds.AccessionNumber = f"ACC{i // 50:05d}"
        ds.Modality = "CT"; ds.Manufacturer = "Bench"; ds.InstitutionName = "Site %d" % (i % 7)
        ds.ReferringPhysicianName = "Ref^Doc"; ds.StationName = "ST1"
        ds.StudyDescription = "CHEST"; ds.SeriesDescription = "AXIAL 2.5"
        ds.PatientName = f"Anon^{i // 50}"; ds.PatientID = f"P{i // 50:06d}"
        ds.PatientBirthDate = "19700101"; ds.PatientSex = "O"; ds.PatientAge = "054Y"
        ds.BodyPartExamined = "CHEST"; ds.SliceThickness = "2.5"; ds.KVP = "120"
        ds.StudyInstanceUID = generate_uid(entropy_srcs=[str(seed), "study", str(i // 50)])
        ds.SeriesInstanceUID = generate_uid(entropy_srcs=[str(seed), "series", str(i // 50)])
        ds.StudyID = "1"; ds.SeriesNumber = 1; ds.InstanceNumber = i % 50 + 1
        ds.ImagePositionPatient = [-125.5, -130.25, float(i % 50) * 2.5]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.FrameOfReferenceUID = generate_uid(entropy_srcs=[str(seed), "frame", str(i // 50)])
        ds.PositionReferenceIndicator = ""
        code = Dataset(); code.CodeValue = "T-D3000"; code.CodingSchemeDesignator = "SRT"; code.CodeMeaning = "Chest"
        ds.AnatomicRegionSequence = Sequence([code])
        ref = Dataset(); ref.ReferencedSOPClassUID = ds.SOPClassUID; ref.ReferencedSOPInstanceUID = generate_uid(entropy_srcs=[str(seed), "ref", str(i)])
        ds.ReferencedImageSequence = Sequence([ref, ref])
        ds.add_new(0x00291010, "LO", "BENCH PRIVATE")
        ds.add_new(0x00291011, "OB", bytes(rng.getrandbits(8) for _ in range(64)))
        ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = rows; ds.Columns = cols; ds.PixelSpacing = [0.5, 0.5]
        ds.BitsAllocated = 16; ds.BitsStored = 12; ds.HighBit = 11; ds.PixelRepresentation = 0
        ds.WindowCenter = "40"; ds.WindowWidth = "400"; ds.RescaleIntercept = "-1024"; ds.RescaleSlope = "1"
        ds.PixelData = np.full((rows, cols), i % 4096, dtype=np.uint16).tobytes()
        ts = ImplicitVRLittleEndian if i % 5 == 0 else ExplicitVRLittleEndian
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.file_meta.TransferSyntaxUID = ts
        ds.save_as(os.path.join(corpus, f"img{i:05d}.dcm"), enforce_file_format=True,
                   implicit_vr=(ts == ImplicitVRLittleEndian), little_endian=True)


def files_of(corpus):
    return sorted(os.path.join(corpus, f) for f in os.listdir(corpus) if f.endswith(".dcm"))


def run_pydicom(files):
    """(seconds of the dcmread loop, seconds of the whole process)."""
    code = ("import sys, time, pydicom\n"
            "fs = [l.strip() for l in open(sys.argv[1])]\n"
            "t = time.perf_counter()\n"
            "for f in fs: pydicom.dcmread(f, stop_before_pixels=True)\n"
            "print(time.perf_counter() - t)\n")
    lst = "/tmp/bench_dicom_files.txt"
    open(lst, "w").write("\n".join(files))
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, lst], check=True, capture_output=True, text=True)
    whole = time.perf_counter() - t
    return float(out.stdout.strip().splitlines()[-1]), whole


def run_ours(cmd):
    """{stage: seconds} from its `timing:` line (empty without one), and seconds of the whole process."""
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, shell=True)
    whole = time.perf_counter() - t
    line = next((l for l in out.stderr.splitlines() if l.startswith("timing: ")), "")
    return {k: float(v) / 1000 for k, v in re.findall(r"(\w+) ([0-9.]+) ms", line)}, whole


def run_dcmdump(files):
    t = time.perf_counter()
    for k in range(0, len(files), 200):
        subprocess.run(["dcmdump", "-q", "+P", "0010,0020", *files[k:k + 200]], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--corpus", default="var/bench/dicom-corpus")
    ap.add_argument("--ours", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    # The stamp names the generator's version: a corpus from an older generator is made anew.
    stamp = a.corpus.rstrip("/") + ".version"  # beside the corpus: the scan sees only DICOM files
    current = f"{CORPUS_VERSION} {a.files}"
    if not os.path.isfile(stamp) or open(stamp).read().strip() != current:
        shutil.rmtree(a.corpus, ignore_errors=True)
        print(f"generating {a.files} files in {a.corpus} ...", flush=True)
        generate(a.corpus, a.files)
        open(stamp, "w").write(current + "\n")
    files = files_of(a.corpus)
    mb = sum(os.path.getsize(f) for f in files) / 1e6
    ours_cmd = a.ours
    if ours_cmd is None:
        binpath = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], capture_output=True, text=True).stdout.strip()
        ours_cmd = os.path.join(binpath, "sluice") + " scan --timing {dir}"
    ours_cmd = ours_cmd.replace("{dir}", a.corpus)

    for f in files:  # warm the page cache
        with open(f, "rb") as h:
            h.read(4096)
    runs = [run_ours(ours_cmd) for _ in range(a.repeat)]
    ours_whole = min(w for _, w in runs)
    timed = all("validate" in t and "total" in t for t, _ in runs)
    ours_parse = min(t["validate"] for t, _ in runs) if timed else None
    ours_scan = min(t["total"] for t, _ in runs) if timed else None
    empty = os.path.join(os.path.dirname(os.path.abspath(a.corpus)), "empty-corpus")
    os.makedirs(empty, exist_ok=True)
    startup = min(run_ours(ours_cmd.replace(a.corpus, empty))[1] for _ in range(a.repeat))
    py = [run_pydicom(files) for _ in range(max(1, a.repeat - 1))]
    py_in, py_whole = min(i for i, _ in py), min(w for _, w in py)
    dump = min(run_dcmdump(files) for _ in range(max(1, a.repeat - 1))) if shutil.which("dcmdump") else None

    n = len(files)
    print(f"\nDICOM metadata parse, {n} files, {mb:.0f} MB (warm cache, best of runs)")
    print(f"{'reader':<44} {'seconds':>9} {'files/s':>10} {'MB/s':>9}")
    rows = [("sluice validate stage (read, parse, check)", ours_parse),
            ("sluice scan in process (list, parse, group)", ours_scan),
            ("sluice scan, whole process", ours_whole),
            ("pydicom dcmread loop, in process", py_in), ("pydicom, whole process", py_whole),
            ("dcmdump, whole processes", dump)]
    for name, t in rows:
        if t is not None:
            print(f"{name:<44} {t:>9.4f} {n / t:>10.0f} {mb / t:>9.0f}")
    print(f"sluice start-up (scan of an empty folder): {startup * 1000:.1f} ms; pydicom's interpreter, import and "
          f"list: {(py_whole - py_in) * 1000:.0f} ms")
    if timed:
        print(f"sluice vs pydicom: {py_in / ours_parse:.1f}x parsing in process, {py_in / ours_scan:.1f}x with listing "
              f"and grouping, {py_whole / ours_whole:.1f}x whole process")
    else:
        print(f"sluice vs pydicom: {py_whole / ours_whole:.1f}x whole process")
    if dump:
        print(f"sluice vs dcmdump (whole processes): {dump / ours_whole:.1f}x")
    ratio = py_in / ours_parse if timed else py_whole / ours_whole
    print("target (>= 30x pydicom, parsing in process):", "met" if ratio >= 30 else "NOT met", f"({ratio:.1f}x)")

if __name__ == "__main__":
    main()
