#!/usr/bin/env python3
"""`make bench`: Sluice against peers on the same data, in the same command.

Pipeline: batch throughput (files/s, MB/s) and peak RSS of `sluice run --once` over a generated
drop of at least 1 GB, next to a Python peer doing the core of the same work (walk, sha256 every
file, pydicom metadata read, group by study). Then any other bench_*.py beside this file.
Nothing here asserts a speed: it prints figures and ratios, and the targets beside them.
"""
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SLUICE_BIN") or os.path.join(ROOT, ".build", "release", "sluice")
WORK = os.path.join(ROOT, "var", "bench")
MIN_BYTES = 1_000_000_000
RSS_TARGET_MB = 300


def du(path):
    total = files = 0
    for dirpath, _, names in os.walk(path):
        for n in names:
            total += os.path.getsize(os.path.join(dirpath, n))
            files += 1
    return total, files


def make_drop(inbox):
    """Full-size sample batches (2048² radiographs, 512² CT) until the drop passes 1 GB."""
    if os.path.isdir(inbox):
        size, files = du(inbox)
        if size >= MIN_BYTES:
            return size, files
        shutil.rmtree(inbox)
    studies = 12
    while True:
        subprocess.run([BIN, "samples", inbox, "--sites", "6", "--studies-per-site", str(studies), "--marker", "READY"],
                       check=True, stdout=subprocess.DEVNULL)
        size, files = du(inbox)
        if size >= MIN_BYTES:
            return size, files
        shutil.rmtree(inbox)
        studies = int(studies * MIN_BYTES / max(size, 1) * 1.1) + 1


def peer(inbox):
    """The core of the same work in Python: unzip, walk, sha256, pydicom metadata, group by study."""
    import tempfile
    import zipfile
    import pydicom
    studies = {}
    n = 0

    def process(root):
        nonlocal n
        for dirpath, _, names in os.walk(root):
            for name in sorted(names):
                if name.startswith(".") or name == "READY" or name.endswith(".READY"):
                    continue
                path = os.path.join(dirpath, name)
                if name.endswith(".zip"):
                    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
                        zipfile.ZipFile(path).extractall(tmp)
                        process(tmp)
                    continue
                h = hashlib.sha256()
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                n += 1
                try:
                    ds = pydicom.dcmread(path, stop_before_pixels=True)
                    studies.setdefault(ds.get("StudyInstanceUID"), []).append(ds.get("SOPInstanceUID"))
                except Exception:
                    pass

    process(inbox)
    return n, len(studies)


def bench_pipeline():
    os.makedirs(WORK, exist_ok=True)
    source = os.path.join(WORK, "source")
    size, _ = make_drop(source)

    # Peer first, on a warm cache like ours.
    t = time.perf_counter()
    files, peer_studies = peer(source)
    peer_s = time.perf_counter() - t
    print(f"drop: {files} files (zip members counted), {size / 1e6:.0f} MB on disk, {peer_studies} studies")

    run_dir = os.path.join(WORK, "run")
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    shutil.copytree(source, os.path.join(run_dir, "inbox"))
    # The copy's dirty pages written back before the clock starts: the peer reads a settled
    # source, and ours would otherwise wait on the copy's writeback at its ledger's fsyncs.
    os.sync()
    with open(os.path.join(run_dir, "bench.yaml"), "w") as f:
        f.write("name: bench\ninbox: { local: inbox }\nspool: .\nsettle: 1s\nmarker: READY\n"
                "render: [json, csv]\noutbox: { local: outbox }\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    r = subprocess.run([BIN, "run", os.path.join(run_dir, "bench.yaml"), "--once"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       env={**os.environ, "SLUICE_LOG": "warning"})
    ours_s = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if r.returncode != 0:
        print(r.stderr[-2000:])
        raise SystemExit("sluice run failed")
    if before > resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss:
        rss_mb = float("nan")

    print(f"sluice run --once : {files / ours_s:8.0f} files/s  {size / 1e6 / ours_s:7.0f} MB/s  "
          f"({ours_s:.1f} s, peak RSS {rss_mb:.0f} MB; target < {RSS_TARGET_MB} MB)")
    print(f"python peer       : {files / peer_s:8.0f} files/s  {size / 1e6 / peer_s:7.0f} MB/s  "
          f"({peer_s:.1f} s; unzip + walk + sha256 + pydicom metadata + group; no ledger, reports or delivery)")
    print(f"ratio sluice/peer : {peer_s / ours_s:.2f}x")
    shutil.rmtree(run_dir, ignore_errors=True)


def main():
    if not os.path.exists(BIN):
        raise SystemExit(f"{BIN} not built; run `make release` first")
    print("== pipeline ==")
    bench_pipeline()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if name.startswith("bench_") and name.endswith(".py"):
            print(f"\n== {name[6:-3]} ==", flush=True)
            subprocess.run([sys.executable, os.path.join(here, name)], check=False,
                           env={**os.environ, "SLUICE_BIN": BIN})


if __name__ == "__main__":
    main()
