#!/usr/bin/env python3
"""`make bench`, reports: studies rendered per second for each format, and the key-image path
(DICOM decode → window → PNG) against dcmtk's dcmj2pnm on the same files.

    python3 tools/bench_render.py [--sluice PATH] [--work DIR] [--repeat R] [--keyimage-repeat K] [--only render|keyimage] [--formats a,b]

Render: one sample drop (`sluice samples DIR --marker READY`: full profile, default seed), then
for each format a fresh spool and `sluice run PIPELINE --once` with the demo model
(`infer: { model: models/demo.onnx }`) and `render: [FORMAT]`. The engine logs, at debug level,
"batch ID: render stage: N studies in S s" for each batch; the figures are the sums of those
lines (the median of R passes, default 1), so unpack, validate, group and inference are not counted.

Key image: the drop's DICOM files (zip members not included), grouped by image size. For each
group, the wall time of `dcmj2pnm --write-png +Wi 1 F OUT` once per file (dcmtk has no
many-files mode), of `sluice inspect F --png OUT` once per file, and of one
`sluice inspect F... --png-dir DIR` over the whole group. Both use the file's first window; the
largest pixel difference between the two outputs is printed (Pillow decodes them).

tools/bench.py runs this file as a script (with SLUICE_BIN set). Nothing here asserts a speed:
it prints figures and ratios, and the target beside them.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_WORK = os.path.join(ROOT, "var", "bench", "render")
MODEL = os.path.join(ROOT, "models", "demo.onnx")
FORMATS = ("json", "csv", "pdf", "sr", "encapsulated-pdf", "png", "secondary-capture", "hl7", "fhir")
RENDER_LINE = re.compile(r"render stage: (\d+) stud\w* in ([0-9.]+) s")
KEYIMAGE_TARGET = 2.0


def make_drop(bin_path, work):
    """The sample drop, generated once (same binary, same seed: the same files)."""
    source = os.path.join(work, "source")
    stamp = os.path.join(work, "source.done")
    if os.path.isdir(source) and os.path.exists(stamp):
        return source
    shutil.rmtree(source, ignore_errors=True)
    os.makedirs(work, exist_ok=True)
    subprocess.run([bin_path, "samples", source, "--marker", "READY",
                    "--ground-truth", os.path.join(work, "ground-truth.json")],
                   check=True, stdout=subprocess.DEVNULL)
    open(stamp, "w").close()
    return source


def render_pass(bin_path, source, work, fmt):
    """(studies, render seconds) of one `run --once` over a fresh copy of the drop."""
    run_dir = os.path.join(work, "run-" + fmt)
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    shutil.copytree(source, os.path.join(run_dir, "inbox"))
    pipeline = os.path.join(run_dir, "bench.yaml")
    with open(pipeline, "w") as f:
        f.write(f"name: render-{fmt}\ninbox: {{ local: inbox }}\nspool: .\nsettle: 1s\nmarker: READY\n"
                f"infer: {{ model: {MODEL} }}\nrender: [{fmt}]\noutbox: {{ local: outbox }}\n")
    r = subprocess.run([bin_path, "run", pipeline, "--once"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, env={**os.environ, "SLUICE_LOG": "debug"})
    # Exit 1 only says the drop's deliberately bad files were reported; no render line is the failure.
    hits = [(int(m.group(1)), float(m.group(2))) for m in RENDER_LINE.finditer(r.stdout)]
    shutil.rmtree(run_dir, ignore_errors=True)
    if not hits:
        tail = "\n".join(r.stdout.strip().splitlines()[-5:])
        raise RuntimeError(f"{fmt}: no \"render stage\" line in the log (exit {r.returncode}):\n{tail}")
    return sum(n for n, _ in hits), sum(s for _, s in hits)


def bench_render(bin_path, work, repeat, formats=FORMATS):
    source = make_drop(bin_path, work)
    print(f"drop: `sluice samples` (full profile, default seed) in {os.path.relpath(source, ROOT)}; "
          f"demo model; median of {repeat} pass{'es' if repeat > 1 else ''}")
    head = f"{'format':<18} {'studies':>7} {'render s':>9} {'studies/s':>10}"
    print(head)
    print("-" * len(head))
    rows = []
    for fmt in formats:
        try:
            passes = [render_pass(bin_path, source, work, fmt) for _ in range(repeat)]
        except (RuntimeError, OSError) as e:
            print(f"{fmt:<18} not available: {e}")
            continue
        studies = passes[0][0]
        seconds = statistics.median(s for _, s in passes)
        rows.append((fmt, studies, seconds))
        rate = f"{studies / seconds:10.1f}" if seconds > 0 else f"{'—':>10}"
        print(f"{fmt:<18} {studies:7d} {seconds:9.3f} {rate}", flush=True)
    print("render s: the render stage's own wall time (key images decoded and windowed inside it), "
          "summed over the batches")
    return rows


def dicom_files(source):
    """DICOM files of the drop (by the DICM preamble), sorted; zip members are not unpacked."""
    out = []
    for dirpath, _, names in os.walk(source):
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as f:
                    head = f.read(132)
            except OSError:
                continue
            if len(head) == 132 and head[128:132] == b"DICM":
                out.append(path)
    return sorted(out)


def image_size(path):
    """(rows, columns, frames) by pydicom, or None when the file has no pixels it can describe."""
    import pydicom
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        if "PixelData" not in ds and not hasattr(ds, "Rows"):
            return None
        return int(ds.Rows), int(ds.Columns), int(getattr(ds, "NumberOfFrames", 1) or 1), str(ds.Modality)
    except Exception:
        return None


def timed(commands):
    t = time.perf_counter()
    for cmd in commands:
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{os.path.basename(cmd[0])} exit {r.returncode}: {r.stderr.strip()[-300:]}")
    return time.perf_counter() - t


def max_difference(a, b):
    from PIL import Image
    import numpy as np
    x = np.asarray(Image.open(a).convert("L"), dtype=np.int16)
    y = np.asarray(Image.open(b).convert("L"), dtype=np.int16)
    if x.shape != y.shape:
        return None
    return int(np.abs(x - y).max())


def bench_keyimage(bin_path, work, repeat):
    if not shutil.which("dcmj2pnm"):
        print("dcmj2pnm: not installed (apt-get install dcmtk); key-image comparison skipped")
        return []
    source = make_drop(bin_path, work)
    out = os.path.join(work, "keyimage")
    groups = {}
    for path in dicom_files(source):
        size = image_size(path)
        if size:
            groups.setdefault(size, []).append(path)
    # Keep only files both tools convert (a drop has deliberately bad files), checked once untimed.
    usable = {}
    diffs = {}
    for size, paths in sorted(groups.items()):
        ok = []
        for i, p in enumerate(paths):
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            ref, ours = os.path.join(out, "ref.png"), os.path.join(out, "ours.png")
            a = subprocess.run(["dcmj2pnm", "--write-png", "+Wi", "1", p, ref], capture_output=True)
            b = subprocess.run([bin_path, "inspect", p, "--png", ours], capture_output=True)
            if a.returncode == 0 and b.returncode == 0 and os.path.exists(ref):
                ok.append(p)
                if i < 3:  # the pixels agree: a few per group is enough to show it
                    d = max_difference(ours, ref)
                    diffs[size] = d if d is None or diffs.get(size) is None else max(d, diffs[size])
        if ok:
            usable[size] = ok
    print(f"files: the drop's DICOM files that both tools convert, by size; frame 0, full size, "
          f"8-bit gray PNG, the file's own window; median of {repeat} runs; warm cache")
    head = (f"{'image':<20} {'files':>5} | {'dcmj2pnm f/s':>12} | {'sluice 1/proc':>13} {'ratio':>6} | "
            f"{'sluice 1 proc':>13} {'ratio':>6} | {'max diff':>8}")
    print(head)
    print("-" * len(head))
    rows = []
    totals = [0.0, 0.0, 0.0, 0]
    for size, paths in sorted(usable.items(), key=lambda kv: (kv[0][0] * kv[0][1], kv[0][3])):
        rows_, cols, frames, modality = size
        runs = {"peer": [], "per": [], "one": []}
        for _ in range(repeat):
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            names = [os.path.join(out, f"{i:05d}") for i in range(len(paths))]
            runs["peer"].append(timed([["dcmj2pnm", "--write-png", "+Wi", "1", p, n + ".ref.png"]
                                       for p, n in zip(paths, names)]))
            runs["per"].append(timed([[bin_path, "inspect", p, "--png", n + ".png"] for p, n in zip(paths, names)]))
            runs["one"].append(timed([[bin_path, "inspect", *paths, "--png-dir", os.path.join(out, "dir")]]))
        peer, per, one = (statistics.median(runs[k]) for k in ("peer", "per", "one"))
        n = len(paths)
        totals[0] += peer; totals[1] += per; totals[2] += one; totals[3] += n
        d = diffs.get(size)
        label = f"{modality} {cols}x{rows_}" + (f" x{frames}fr" if frames > 1 else "")
        print(f"{label:<20} {n:5d} | {n / peer:12.1f} | {n / per:13.1f} {peer / per:5.2f}x | "
              f"{n / one:13.1f} {peer / one:5.2f}x | {'—' if d is None else d:>8}", flush=True)
        rows.append({"image": label, "files": n, "dcmj2pnm_s": peer, "sluice_per_file_s": per,
                     "sluice_one_process_s": one, "max_diff": d})
    if totals[3]:
        peer, per, one, n = totals
        print("-" * len(head))
        print(f"{'all':<20} {n:5d} | {n / peer:12.1f} | {n / per:13.1f} {peer / per:5.2f}x | "
              f"{n / one:13.1f} {peer / one:5.2f}x |")
    print(f"f/s = files per second. dcmj2pnm: one process per file (`dcmj2pnm --write-png +Wi 1 F OUT`); "
          f"sluice 1/proc: `sluice inspect F --png OUT` per file; sluice 1 proc: one "
          f"`sluice inspect F... --png-dir DIR` per row. ratio = dcmj2pnm time / sluice time "
          f"(> 1: sluice faster; target ≥ {KEYIMAGE_TARGET:g}x). max diff: gray levels, first 3 files per row.")
    shutil.rmtree(out, ignore_errors=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    default_bin = os.environ.get("SLUICE_BIN") or os.path.join(ROOT, ".build", "release", "sluice")
    ap.add_argument("--sluice", default=default_bin, help="sluice binary (default: $SLUICE_BIN or .build/release/sluice)")
    ap.add_argument("--work", default=DEFAULT_WORK, help="scratch folder (default: var/bench/render)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="pipeline passes per format, the median is shown (default 1: a pass runs inference too)")
    ap.add_argument("--keyimage-repeat", type=int, default=3, help="runs per key-image measurement (default 3)")
    ap.add_argument("--only", choices=("render", "keyimage"), help="run one of the two parts")
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated render formats (default: all)")
    args = ap.parse_args(argv)
    bin_path = os.path.abspath(args.sluice)
    if not os.path.exists(bin_path):
        print(f"error: no sluice binary at {bin_path} (swift build -c release --product sluice)", file=sys.stderr)
        return 1
    if not os.path.exists(MODEL):
        print(f"error: {MODEL} not found (tools/train_demo_model.py writes it)", file=sys.stderr)
        return 1
    work = os.path.abspath(args.work)
    if args.only in (None, "render"):
        print("-- studies rendered per second, by format --")
        bench_render(bin_path, work, max(1, args.repeat), [f for f in args.formats.split(",") if f])
    if args.only in (None, "keyimage"):
        print("\n-- key image: DICOM decode -> window -> PNG, against dcmj2pnm --")
        bench_keyimage(bin_path, work, max(1, args.keyimage_repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
