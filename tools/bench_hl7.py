#!/usr/bin/env python3
"""HL7 parsing benchmark: Sluice's parser versus python-hl7 on the same generated batch files.

Generates batch files (FHS/BHS … BTS/FTS) of mixed ORM^O01 / ADT^A08 / ORU^R01 / OMI^O23
messages, then times, on the same files:
  * python-hl7: parse every message and read MSH-10, PID-3, OBR-3;
  * Sluice, in-process: HL7Bench.run (tools/bench/hl7_bench_main.swift built with swiftc -O
    together with Sources/HL7), reading the same three fields;
  * Sluice, whole process: `sluice inspect FILE --field PID-3` per file, when the binary has it.
Prints messages/s and the ratio to python-hl7 (target: >= 50x).

  python3 tools/bench_hl7.py [--messages 20000] [--files 4] [--sluice .build/release/sluice]
"""
import argparse, json, os, random, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def message(rng, i):
    kind = rng.choice(["ORM", "ADT", "ORU", "OMI"])
    ts = "2025%02d%02d%02d%02d%02d" % (rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
    mrn, acc = "MRN%07d" % rng.randint(0, 9999999), "ACC%08d" % i
    pid = "PID|1||%s^^^HOSP^MR~%09d^^^SSA^SS||DOE%d^JANE^Q^^DR||19%02d0101|%s|||%d MAIN ST^^TOWN^ST^12345||555-0100" % (
        mrn, rng.randint(0, 999999999), i % 97, rng.randint(20, 99), rng.choice("MF"), i % 900)
    pv1 = "PV1|1|O|RAD^R%d^B1||||1234^SMITH^JOHN|||||||||||V%08d" % (i % 9, i)
    typ = {"ORM": "ORM^O01^ORM_O01", "ADT": "ADT^A08^ADT_A01", "ORU": "ORU^R01^ORU_R01", "OMI": "OMI^O23^OMI_O23"}[kind]
    segs = ["MSH|^~\\&|RIS|HOSP|SLUICE|SITE|%s||%s|C%08d|P|2.5.1|||AL|NE" % (ts, typ, i)]
    if kind == "ADT":
        segs += ["EVN|A08|" + ts, pid, pv1, "NK1|1|DOE^JOHN|SPO", "AL1|1||^PENICILLIN"]
    else:
        segs += [pid, pv1, "ORC|%s|PLC%d^RIS|%s^RIS||SC|||||||1234^SMITH^JOHN" % ("RE" if kind == "ORU" else "NW", i, acc),
                 "OBR|1|PLC%d^RIS|%s^RIS|71045^XR CHEST 1 VIEW^C4|||%s|||||||||1234^SMITH^JOHN||||||%s||RAD|%s" % (
                     i, acc, ts, ts, "P" if kind == "ORU" else "")]
        if kind == "OMI":
            segs.append("IPC|%s^RIS|RP%d|1.2.826.0.1.3680043.8.498.%d^^1.2.826.0.1^ISO|SPS%d|CR" % (acc, i, i, i))
        if kind == "ORU":
            segs += ["OBX|1|CE|59776-5^Findings^LN|1|27925004^Nodule^SCT||||||P",
                     "OBX|2|NM|111012^Certainty of Finding^DCM|1|0.%02d|1^no units^UCUM||A|||P" % (i % 100),
                     "OBX|3|ST|NOTE^Comment^L||Follow-up advised\\.br\\see report \\T\\ prior||||||P"]
    return "\r".join(segs) + "\r"


def generate(directory, total, files, seed=7):
    rng = random.Random(seed)
    paths, per = [], total // files
    for f in range(files):
        msgs = [message(rng, f * per + k) for k in range(per)]
        text = "FHS|^~\\&|RIS|HOSP\rBHS|^~\\&|RIS|HOSP\r" + "".join(msgs) + "BTS|%d\rFTS|1\r" % len(msgs)
        p = os.path.join(directory, "batch%02d.hl7" % f)
        with open(p, "wb") as out:
            out.write(text.encode())
        paths.append(p)
    return paths, per * files


def bench_python(paths):
    import hl7
    start, n, total = time.perf_counter(), 0, 0
    for p in paths:
        with open(p, "rb") as f:
            data = f.read().decode("utf-8")
        for text in hl7.split_file(data):
            m = hl7.parse(text)
            for seg, field in (("MSH", 10), ("PID", 3), ("OBR", 3)):
                try:
                    total += len(m.extract_field(seg, 1, field, 1, 1, 1))
                except (KeyError, IndexError):
                    pass
            n += 1
    return n, time.perf_counter() - start


def build_runner(workdir):
    swiftc = shutil.which("swiftc")
    if not swiftc:
        return None
    exe = os.path.join(workdir, "hl7_bench")
    sources = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(ROOT, "Sources", "HL7")) for f in fs if f.endswith(".swift"))
    cmd = [swiftc, "-O", "-wmo", "-parse-as-library", "-module-name", "HL7Bench",
           os.path.join(ROOT, "tools", "bench", "hl7_bench_main.swift"),
           os.path.join(ROOT, "tools", "bench", "hl7_bench.swift")] + sources + ["-o", exe]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)  # swiftc may leave module files in cwd
    if r.returncode != 0:
        print("could not build the Swift runner:\n" + r.stderr[-2000:], file=sys.stderr)
        return None
    return exe


def best_of(runs, fn):
    results = [fn() for _ in range(runs)]
    return min(results, key=lambda r: r[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sluice", default=os.path.join(ROOT, ".build", "release", "sluice"))
    ap.add_argument("--keep", help="write the generated files here and keep them")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="bench-hl7-")
    try:
        data_dir = args.keep or work
        os.makedirs(data_dir, exist_ok=True)
        paths, total = generate(data_dir, args.messages, args.files)
        size = sum(os.path.getsize(p) for p in paths)
        print("HL7 benchmark: %d messages in %d batch files (%.1f MB)" % (total, len(paths), size / 1e6))

        n, secs = best_of(args.runs, lambda: bench_python(paths))
        py_rate = n / secs
        print("  python-hl7 (parse + 3 fields/message): %8d msgs in %7.3f s = %10.0f msgs/s" % (n, secs, py_rate))
        rows = [("python-hl7", py_rate)]

        exe = build_runner(work)
        if exe:
            def run_swift():
                out = subprocess.run([exe] + paths, capture_output=True, text=True, check=True).stdout
                r = json.loads(out)
                return r["messages"], r["seconds"]
            n2, s2 = best_of(args.runs, run_swift)
            if n2 != n:
                print("  WARNING: Sluice read %d messages, python-hl7 %d" % (n2, n))
            rate = n2 / s2
            print("  Sluice HL7Bench (in-process, same reads): %8d msgs in %7.3f s = %10.0f msgs/s  (%.0fx python-hl7)" % (n2, s2, rate, rate / py_rate))
            rows.append(("sluice-inprocess", rate))

        if os.access(args.sluice, os.X_OK):
            def run_cli():
                start, lines = time.perf_counter(), 0
                for p in paths:
                    r = subprocess.run([args.sluice, "inspect", p, "--field", "PID-3"], capture_output=True, text=True)
                    if r.returncode != 0:
                        raise RuntimeError(r.stderr.strip()[:200])
                    lines += len(r.stdout.splitlines())
                return lines, time.perf_counter() - start
            try:
                n3, s3 = best_of(args.runs, run_cli)
                rate = n3 / s3
                print("  sluice inspect --field PID-3 (whole processes): %8d lines in %7.3f s = %10.0f msgs/s  (%.0fx python-hl7)" % (n3, s3, rate, rate / py_rate))
                rows.append(("sluice-cli", rate))
            except RuntimeError as e:
                print("  sluice inspect --field not available: %s" % e)
        else:
            print("  (no sluice binary at %s; build with `swift build -c release`)" % args.sluice)
        best = max(r for name, r in rows[1:]) if len(rows) > 1 else 0
        print("ratio (best Sluice / python-hl7): %.0fx  (target >= 50x)" % (best / py_rate))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
