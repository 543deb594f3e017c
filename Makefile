# Sluice — `make run` and `make test` set up a fresh Debian machine and do the rest.
SWIFT      ?= swift
PYTHON     ?= python3
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# C libraries the build links against, and the peers/oracles the tests run.
BUILD_DEBS := zlib1g-dev libzip-dev libsqlite3-dev libssl-dev libpng-dev libhpdf-dev fonts-dejavu-core fonts-droid-fallback libcurl4-openssl-dev libssh-dev libopenjp2-7-dev libcharls-dev
TEST_DEBS  := dcmtk dicom3tools zip unzip sqlite3 qpdf poppler-utils openssh-server openssh-client
TEST_PIPS  := pydicom hl7 hl7apy numpy jsonschema highdicom Pillow aiosmtpd cryptography onnx onnxruntime pyyaml fhir.resources pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg pydicom-data

.PHONY: all deps test-deps build release run test bench fuzz clean

all: build

# Installs only what is missing, so a second run costs a dpkg query.
deps:
	@missing=""; for p in $(BUILD_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

test-deps: deps
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
	@# pip is quick when everything is present, and never misses a newly listed oracle.
	@$(PYTHON) -m pip install -q --disable-pip-version-check $(TEST_PIPS)

build: deps
	$(SWIFT) build

# The Swift runtime and Foundation linked in: the dynamic loader's symbol binding for them took
# 6-7 ms of every start (a scan of an empty folder: 20-21 ms dynamic, 14-15 ms static).
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

# The main job: samples (generated once), one pass of the local demo pipeline, then where to look.
run: release
	@BIN=$$($(SWIFT) build -c release --show-bin-path)/sluice; \
	if [ ! -d var/inbox ] || [ -z "$$(ls -A var/inbox 2>/dev/null)" ] && [ ! -d var/archive ]; then \
	  $$BIN samples var/inbox; fi; \
	$$BIN run pipelines/local-demo.yaml --once; rc=$$?; \
	$$BIN status pipelines/local-demo.yaml; \
	echo; echo "Reports are in var/outbox/local-demo/ (one folder per batch; manifest.json lists every output)."; \
	exit $$rc

test: test-deps
	$(SWIFT) build --build-tests
	SLUICE_BIN=$$($(SWIFT) build --show-bin-path)/sluice $(SWIFT) test --skip-build

bench: test-deps release
	$(PYTHON) tools/bench.py

# libFuzzer over the DICOM reader (with pixel decoding) and the HL7 parser (FUZZ_SECONDS each,
# default 300), then the validate → group → infer → key-image paths on FUZZ_CASES headers drawn
# from a dictionary of extreme values (ExtremeHeaderFuzzTests; a random seed each run, printed).
fuzz: test-deps
	tools/fuzz/build.sh
	.build/fuzz/dicom-fuzz -max_total_time=$${FUZZ_SECONDS:-300} -rss_limit_mb=2048 -timeout=10 -dict=tools/fuzz/dicom.dict .build/fuzz/corpus
	tools/fuzz/run-hl7-fuzz.sh $${FUZZ_SECONDS:-300}
	$(SWIFT) build --build-tests
	@seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); echo "extreme headers: seed $$seed"; mkdir -p .build/fuzz; \
	SLUICE_FUZZ_SEED=$$seed SLUICE_FUZZ_CASES=$${FUZZ_CASES:-50000} SLUICE_FUZZ_KEEP=$$PWD/.build/fuzz \
	  $(SWIFT) test --skip-build --filter ExtremeHeaderFuzzTests

clean:
	rm -rf .build var
