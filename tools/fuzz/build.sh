#!/bin/sh
# Builds .build/fuzz/dicom-fuzz: Checksum, Kernels (with its C kernels) and DICOM compiled as static libraries with
# coverage + ASan instrumentation, and the harness linked against their modules. (SwiftPM cannot
# link an executable target with -sanitize=fuzzer: it renames the entry point.)
# Seeds: pydicom's small test files (if pydicom is installed) plus any files in tools/fuzz/seeds (codec-*
# seeds are raw code streams behind a 8-byte selector header, see fuzzCodec in dicom_fuzz.swift).
# The codecs' C libraries (OpenJPEG, CharLS) are linked uninstrumented.
set -eu
cd "$(dirname "$0")/../.."
OUT=.build/fuzz
mkdir -p "$OUT/corpus"
FLAGS="-O -sanitize=fuzzer,address -parse-as-library -I Sources/CZlib -I Sources/CCrypto -I Sources/COpenJPEG -I Sources/CCharLS -I $OUT"
swiftc $FLAGS -module-name Checksum -emit-library -static -emit-module -emit-module-path "$OUT/Checksum.swiftmodule" \
    Sources/Checksum/*.swift -o "$OUT/libChecksum.a"
# Kernels (DICOM's LUT and windowing routines) over its C microkernels, instrumented alike.
mkdir -p "$OUT/ckernels"
printf 'module CKernels {\n  header "%s/Sources/CKernels/include/ckernels.h"\n  export *\n}\n' "$PWD" > "$OUT/ckernels/module.modulemap"
for c in Sources/CKernels/*.c; do
    clang -O2 -fsanitize=fuzzer-no-link,address -I Sources/CKernels/include -c "$c" -o "$OUT/ckernels/$(basename "$c" .c).o"
done
rm -f "$OUT/libCKernels.a" && ar rcs "$OUT/libCKernels.a" "$OUT"/ckernels/*.o
swiftc $FLAGS -I "$OUT/ckernels" -module-name Kernels -emit-library -static -emit-module -emit-module-path "$OUT/Kernels.swiftmodule" \
    $(find Sources/Kernels -name '*.swift' | sort) -o "$OUT/libKernels.a"
swiftc $FLAGS -I "$OUT/ckernels" -module-name DICOM -emit-library -static -emit-module -emit-module-path "$OUT/DICOM.swiftmodule" \
    $(find Sources/DICOM -name '*.swift' | sort) -o "$OUT/libDICOM.a"
swiftc $FLAGS -I "$OUT/ckernels" tools/fuzz/dicom_fuzz.swift "$OUT/libDICOM.a" "$OUT/libKernels.a" "$OUT/libCKernels.a" \
    "$OUT/libChecksum.a" -lz -lcrypto -lopenjp2 -lcharls -lpthread -o "$OUT/dicom-fuzz"
python3 - "$OUT/corpus" <<'PY' || true
import os, shutil, sys
try:
    import pydicom.data
except ImportError:
    sys.exit(0)
for f in pydicom.data.get_testdata_files():
    if os.path.isfile(f) and os.path.getsize(f) < 64 * 1024:
        shutil.copy(f, os.path.join(sys.argv[1], os.path.basename(f)))
# Codec seeds: the first frame of each small compressed file, behind fuzzCodec's 8-byte header.
import warnings
warnings.simplefilter("ignore")
from pydicom.encaps import generate_frames
sel = {"1.2.840.10008.1.2.4.50": 0, "1.2.840.10008.1.2.4.51": 1, "1.2.840.10008.1.2.4.57": 2, "1.2.840.10008.1.2.4.70": 3,
       "1.2.840.10008.1.2.4.80": 4, "1.2.840.10008.1.2.4.81": 5, "1.2.840.10008.1.2.4.90": 6, "1.2.840.10008.1.2.4.91": 7,
       "1.2.840.10008.1.2.5": 9}
for f in sorted(pydicom.data.get_testdata_files()):
    try:
        ds = pydicom.dcmread(f)
        ts = str(ds.file_meta.TransferSyntaxUID)
        if ts not in sel or ds.BitsAllocated not in (8, 16, 32):
            continue
        frame = next(generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames", 1) or 1)))
    except Exception:
        continue
    if len(frame) > 16 * 1024:
        continue
    bits = {8: 0, 16: 1, 32: 2}[ds.BitsAllocated]
    header = bytes([0x43, sel[ts], ds.Rows >> 8, ds.Rows & 255, ds.Columns >> 8, ds.Columns & 255,
                    (bits << 1) | (1 if ds.SamplesPerPixel == 3 else 0), ds.BitsStored])
    open(os.path.join(sys.argv[1], "codec-" + os.path.basename(f) + ".bin"), "wb").write(header + frame)
PY
[ -d tools/fuzz/seeds ] && cp tools/fuzz/seeds/* "$OUT/corpus/" 2>/dev/null || true
echo "built $OUT/dicom-fuzz; run: $OUT/dicom-fuzz -max_total_time=300 -rss_limit_mb=2048 $OUT/corpus"
