#!/bin/sh
# Builds .build/fuzz/dicom-fuzz: Checksum, Kernels (with its C kernels) and DICOM compiled as static libraries with
# coverage + ASan instrumentation, and the harness linked against their modules. (SwiftPM cannot
# link an executable target with -sanitize=fuzzer: it renames the entry point.)
# Seeds: pydicom's small test files (if pydicom is installed) plus any files in tools/fuzz/seeds.
set -eu
cd "$(dirname "$0")/../.."
OUT=.build/fuzz
mkdir -p "$OUT/corpus"
FLAGS="-O -sanitize=fuzzer,address -parse-as-library -I Sources/CZlib -I Sources/CCrypto -I $OUT"
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
    "$OUT/libChecksum.a" -lz -lcrypto -lpthread -o "$OUT/dicom-fuzz"
python3 - "$OUT/corpus" <<'PY' || true
import os, shutil, sys
try:
    import pydicom.data
except ImportError:
    sys.exit(0)
for f in pydicom.data.get_testdata_files():
    if os.path.isfile(f) and os.path.getsize(f) < 64 * 1024:
        shutil.copy(f, os.path.join(sys.argv[1], os.path.basename(f)))
PY
[ -d tools/fuzz/seeds ] && cp tools/fuzz/seeds/* "$OUT/corpus/" 2>/dev/null || true
echo "built $OUT/dicom-fuzz; run: $OUT/dicom-fuzz -max_total_time=300 -rss_limit_mb=2048 $OUT/corpus"
