#!/usr/bin/env python3
"""`make bench`, inference: `sluice infer` against onnxruntime on the demo model.

    python3 tools/bench_infer.py [--sluice PATH] [--model models/demo.onnx] [--repeat R] [--rounds K]

For batch 1 and 16 and threads 1 and 2 it times onnxruntime (CPU, intra_op_num_threads = T,
inter_op_num_threads = 1; the median of R runs after two warm-up runs) and
`SLUICE infer MODEL --tensor X.npy --repeat R --threads T`, which prints its per-run seconds as
the JSON key "seconds_per_run" on stdout; the two alternate for --rounds rounds and each keeps
its best median. A binary that lacks `infer` (or fails) is reported as
"sluice: not available" and onnxruntime is still measured. GFLOP/s counts 2·MACs of the model's
Conv and Gemm nodes at that batch, from shapes that onnx.shape_inference works out.

tools/bench.py runs this file as a script (with SLUICE_BIN set); other code can import it and
call run(sluice_bin) for the rows. Nothing here asserts a speed: it prints figures and ratios.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MODEL = os.path.join(ROOT, "models", "demo.onnx")
BATCHES = (1, 16)
THREADS = (1, 2)


def model_flops(model_path, batch):
    """2·MACs of every Conv and Gemm node when the graph input's first dim is `batch`."""
    import onnx
    from onnx import numpy_helper, shape_inference
    model = onnx.load(model_path)
    init_names = {t.name for t in model.graph.initializer}
    graph_input = [i for i in model.graph.input if i.name not in init_names][0]
    # A symbolic batch (the demo model's "N") becomes concrete so every shape is a number.
    graph_input.type.tensor_type.shape.dim[0].dim_value = batch
    inferred = shape_inference.infer_shapes(model)
    shapes = {}
    for vi in list(inferred.graph.input) + list(inferred.graph.value_info) + list(inferred.graph.output):
        dims = [d.dim_value if d.HasField("dim_value") else None for d in vi.type.tensor_type.shape.dim]
        shapes[vi.name] = dims
    for t in model.graph.initializer:
        shapes[t.name] = list(numpy_helper.to_array(t).shape)

    def known(name):
        s = shapes.get(name)
        if s is None or any(d is None for d in s):
            raise RuntimeError(f"shape of {name!r} is not known after shape inference")
        return s

    macs = 0
    for node in model.graph.node:
        if node.op_type == "Conv":
            w = known(node.input[1])          # [M, C/group, kh, kw]
            y = known(node.output[0])         # [N, M, *spatial]
            macs += int(np.prod(y)) * int(np.prod(w[1:]))
        elif node.op_type == "Gemm":
            attrs = {a.name: a.i for a in node.attribute if a.type == onnx.AttributeProto.INT}
            a = known(node.input[0])
            b = known(node.input[1])
            m = a[1] if attrs.get("transA", 0) else a[0]
            k = a[0] if attrs.get("transA", 0) else a[1]
            n = b[0] if attrs.get("transB", 0) else b[1]
            macs += m * n * k
    return 2 * macs


def input_tensor(model_path, batch):
    """A fixed-seed input of the model's shape at this batch (normalized-image-like values)."""
    import onnx
    model = onnx.load(model_path)
    init_names = {t.name for t in model.graph.initializer}
    graph_input = [i for i in model.graph.input if i.name not in init_names][0]
    dims = [d.dim_value if d.HasField("dim_value") else batch for d in graph_input.type.tensor_type.shape.dim]
    dims[0] = batch
    x = np.random.default_rng(1234).normal(0.0, 1.0, size=dims).astype(np.float32)
    return graph_input.name, x


def time_onnxruntime(model_path, name, x, threads, repeat):
    """The median of `repeat` runs after two warm-ups. The session is made here and dropped on
    return: a session kept alive keeps its thread pool, which spins after each run and took the
    second core from the sluice run measured next (batch 1 on two threads went 0.27 → 0.47 ms)."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(model_path, opts, providers=["CPUExecutionProvider"])
    for _ in range(2):
        sess.run(None, {name: x})
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        sess.run(None, {name: x})
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def parse_seconds(stdout):
    """The "seconds_per_run" value from sluice's JSON on stdout (whole output or one line)."""
    candidates = [stdout] + stdout.splitlines()[::-1]
    for text in candidates:
        text = text.strip()
        if not text.startswith("{"):
            continue
        try:
            value = json.loads(text).get("seconds_per_run")
        except (ValueError, AttributeError):
            continue
        if isinstance(value, (int, float)) and value > 0:
            return float(value)
    return None


def time_sluice(sluice_bin, model_path, tensor_path, threads, repeat):
    """(seconds per run, None) or (None, why it is not available)."""
    if not sluice_bin or not os.path.exists(sluice_bin):
        return None, f"no binary at {sluice_bin}"
    cmd = [sluice_bin, "infer", model_path, "--tensor", tensor_path, "--repeat", str(repeat), "--threads", str(threads)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["(no message)"])[-1]
        return None, f"exit {r.returncode}: {last[:200]}"
    seconds = parse_seconds(r.stdout)
    if seconds is None:
        return None, "no \"seconds_per_run\" in its output"
    return seconds, None


def run(sluice_bin, model_path=DEFAULT_MODEL, repeat=None, batches=BATCHES, threads_list=THREADS, rounds=3):
    """One row per (batch, threads): a dict with the figures of both runtimes (sluice's None
    when not available, with `sluice_note` saying why). Each runtime is measured `rounds` times,
    the two alternating, and keeps its best median: on a shared machine a burst of load then
    falls on both, and neither wins by being measured in a quiet moment."""
    if not os.path.exists(model_path):
        raise FileNotFoundError(f"{model_path} not found (tools/train_demo_model.py writes it)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="sluice-bench-infer-") as tmp:
        for batch in batches:
            flops = model_flops(model_path, batch)
            name, x = input_tensor(model_path, batch)
            tensor_path = os.path.join(tmp, f"x{batch}.npy")
            np.save(tensor_path, x)
            # Enough runs for a stable median, few enough that the whole bench stays short.
            reps = repeat or (50 if batch == 1 else 8)
            for threads in threads_list:
                ort_runs, sl_runs, note = [], [], None
                for _ in range(rounds):
                    ort_runs.append(time_onnxruntime(model_path, name, x, threads, reps))
                    sl, note = time_sluice(sluice_bin, model_path, tensor_path, threads, reps)
                    if sl is None:
                        break
                    sl_runs.append(sl)
                ort_s = min(ort_runs)
                sl_s = min(sl_runs) if sl_runs and note is None else None
                rows.append({
                    "batch": batch, "threads": threads, "repeat": reps, "gflop": flops / 1e9,
                    "ort_seconds": ort_s, "ort_gflops": flops / ort_s / 1e9, "ort_images_s": batch / ort_s,
                    "sluice_seconds": sl_s,
                    "sluice_gflops": flops / sl_s / 1e9 if sl_s else None,
                    "sluice_images_s": batch / sl_s if sl_s else None,
                    # > 1: sluice is faster (the same sense as bench.py's "ratio sluice/peer").
                    "speed_ratio": ort_s / sl_s if sl_s else None,
                    "sluice_note": note,
                })
    return rows


def print_table(rows, model_path):
    shown = os.path.relpath(model_path, ROOT) if os.path.abspath(model_path).startswith(ROOT + os.sep) else model_path
    print(f"model: {shown} "
          f"({rows[0]['gflop'] / rows[0]['batch']:.3f} GFLOP per image, Conv+Gemm)")
    head = f"{'batch':>5} {'thr':>3} | {'ORT ms':>8} {'GFLOP/s':>8} {'img/s':>8} | {'sluice ms':>9} {'GFLOP/s':>8} {'img/s':>8} | {'sluice/ORT':>10}"
    print(head)
    print("-" * len(head))
    for r in rows:
        if r["sluice_seconds"]:
            sl = f"{r['sluice_seconds'] * 1e3:9.2f} {r['sluice_gflops']:8.1f} {r['sluice_images_s']:8.1f} | {r['speed_ratio']:9.2f}x"
        else:
            sl = f"{'—':>9} {'—':>8} {'—':>8} | {'—':>10}"
        print(f"{r['batch']:5d} {r['threads']:3d} | {r['ort_seconds'] * 1e3:8.2f} {r['ort_gflops']:8.1f} "
              f"{r['ort_images_s']:8.1f} | {sl}")
    notes = sorted({r["sluice_note"] for r in rows if r["sluice_note"]})
    for n in notes:
        print(f"sluice: not available ({n})")
    print("ORT: median of the runs after two warm-ups; sluice: its own seconds_per_run (the median after one); "
          "each the best of alternating rounds. sluice/ORT > 1 means sluice is faster.")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    default_bin = os.environ.get("SLUICE_BIN") or os.path.join(ROOT, ".build", "release", "sluice")
    ap.add_argument("--sluice", default=default_bin, help="sluice binary (default: $SLUICE_BIN or .build/release/sluice)")
    ap.add_argument("--model", default=DEFAULT_MODEL, help="ONNX model (default: models/demo.onnx)")
    ap.add_argument("--repeat", type=int, default=None, help="runs per measurement (default: 50 at batch 1, 8 at 16)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating measurements of each runtime, the best kept (default 3)")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    args = ap.parse_args(argv)
    try:
        rows = run(args.sluice, args.model, args.repeat, rounds=args.rounds)
    except Exception as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print_table(rows, args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
