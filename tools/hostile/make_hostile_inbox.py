#!/usr/bin/env python3
"""Writes an inbox of hostile drops (issue 23, "Hardening"), each a batch of its own whose name
sorts before the ordinary batch the caller adds, so a pipeline that stops at any of them shows.

    make_hostile_inbox.py INBOX [--marker READY]

Each batch holds one valid sample instance beside its hostile file, so a batch that is
handled (not failed) still has a study to report. Prints one line per batch: name, what it is.
"""
import argparse, os, struct, sys, zipfile

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

def image(study="1.2.826.0.1.3680043.10.77.1", rows=8, cols=8, pid="HOSTILE-1", **extra):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = study + ".1"
    ds.PatientID = pid
    ds.PatientName = "Hostile^Test"
    ds.AccessionNumber = "HACC1"
    ds.Modality = "CT"
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PixelRepresentation = 1, "MONOCHROME2", 0
    for k, v in extra.items():
        setattr(ds, k, v)
    if "PixelData" not in extra:
        ds.PixelData = bytes(rows * cols * 2)
    return ds

def save(ds, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ds.save_as(path, enforce_file_format=True)

def batch(inbox, name, marker):
    path = os.path.join(inbox, name)
    os.makedirs(path, exist_ok=True)
    save(image(study="1.2.826.0.1.3680043.10.77." + str(abs(hash(name)) % 10**9)), os.path.join(path, "ok.dcm"))
    if marker:
        open(os.path.join(path, marker), "w").close()
    return path

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inbox")
    ap.add_argument("--marker", default="READY")
    a = ap.parse_args()
    made = []

    def add(name, what):
        made.append((name, what))
        return batch(a.inbox, name, a.marker)

    p = add("h01-huge-header", "Rows = Columns = SamplesPerPixel = BitsAllocated = 65535")
    ds = image(); ds.Rows = ds.Columns = ds.SamplesPerPixel = ds.BitsAllocated = 65535
    ds.PixelData = bytes(8192); save(ds, os.path.join(p, "huge.dcm"))

    p = add("h02-instance-extremes", "Instance Numbers -2^63 and 2^63-1 in one series")
    for i, n in enumerate(["-9223372036854775808", "9223372036854775807"]):
        ds = image(study="1.2.826.0.1.3680043.10.77.2")
        ds.add_new(0x00200013, "IS", n)
        ds.save_as(os.path.join(p, "inst%d.dcm" % i), enforce_file_format=True)

    p = add("h03-sparse-32768", "a sparse file declaring 32768^2 16-bit pixels")
    ds = image(study="1.2.826.0.1.3680043.10.77.3"); ds.Rows = ds.Columns = 32768
    del ds.PixelData
    path = os.path.join(p, "sparse.dcm"); ds.save_as(path, enforce_file_format=True)
    with open(path, "ab") as f:  # (7FE0,0010) OW with a 2 GiB length, then a hole
        f.write(struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, 32768 * 32768 * 2))
        f.truncate(f.tell() + 32768 * 32768 * 2)

    p = add("h04-frames", "2^31-1 frames of 65535^2")
    ds = image(study="1.2.826.0.1.3680043.10.77.4"); ds.Rows = ds.Columns = 65535; ds.NumberOfFrames = 2**31 - 1
    save(ds, os.path.join(p, "frames.dcm"))

    p = add("h05-hl7-repetitions", "PID-3 with 200,000 repetitions (about 6 MB)")
    reps = "~".join("ID%06d^^^HOSP^MR" % i for i in range(200_000))
    with open(os.path.join(p, "orders.hl7"), "wb") as f:
        f.write(("MSH|^~\\&|RIS|HOSP|SLUICE|SITE|20250101||ORM^O01|1|P|2.3.1\rPID|1||" + reps + "||DOE^J\r"
                 "ORC|NW|P1|HACC1\rOBR|1|P1|HACC1|CT\r").encode())

    p = add("h06-latin1-name", "a file whose name is Latin-1, not UTF-8")
    save(image(study="1.2.826.0.1.3680043.10.77.6"), os.path.join(p, "dummy.dcm"))
    os.rename(os.path.join(p, "dummy.dcm").encode(), os.path.join(p, "").encode() + b"M\xfcller.dcm")

    p = add("h07-unreadable", "a file and a folder the account cannot read (mode 000)")
    save(image(study="1.2.826.0.1.3680043.10.77.7"), os.path.join(p, "secret.dcm"))
    os.makedirs(os.path.join(p, "closed")); save(image(study="1.2.826.0.1.3680043.10.77.7"), os.path.join(p, "closed", "x.dcm"))
    for locked in [os.path.join(p, "secret.dcm"), os.path.join(p, "closed")]:
        # Owned by another account, as a site's upload would be: whoever runs Sluice cannot
        # chmod them (root must run it without CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER).
        if os.geteuid() == 0:
            os.chown(locked, 65534, 65534)
        os.chmod(locked, 0)

    p = add("h08-deep", "a file nested deeper than PATH_MAX")
    # Made through relative opens, one level at a time: the absolute path passes PATH_MAX.
    data = open(os.path.join(p, "ok.dcm"), "rb").read()
    dfd = os.open(p, os.O_RDONLY)
    for _ in range(22):
        os.mkdir("d" * 200, dir_fd=dfd)
        nfd = os.open("d" * 200, os.O_RDONLY, dir_fd=dfd)
        os.close(dfd)
        dfd = nfd
    ffd = os.open("deep.dcm", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=dfd)
    os.write(ffd, data)
    os.close(ffd)
    os.close(dfd)

    ok = open(os.path.join(p, "ok.dcm"), "rb").read()

    def top_zip(name, what, entries):
        made.append((name, what))
        with zipfile.ZipFile(os.path.join(a.inbox, name), "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("ok.dcm", ok)
            for entry, data in entries:
                z.writestr(entry, data)
        if a.marker:
            open(os.path.join(a.inbox, name + "." + a.marker), "w").close()

    top_zip("h09-zip-long-entry.zip", "a zip batch whose entry path is longer than PATH_MAX",
            [("/".join(["e" * 200] * 25) + "/x.dcm", ok)])

    p = add("h10-long-accession", "an Accession Number of 64 KiB")
    save(image(study="1.2.826.0.1.3680043.10.77.10", AccessionNumber="A" * 65534), os.path.join(p, "acc.dcm"))

    top_zip("h11-zip-bomb.zip", "a zip batch of 400 x 1 MiB zero entries (about 450 KB)",
            [("z%03d.dcm" % i, bytes(1 << 20)) for i in range(400)])

    p = add("h12-control\x1b[31m\nchars", "control characters (ESC, newline) in the batch name")

    # A top-level batch whose own name is not UTF-8.
    top = os.path.join(a.inbox, "").encode() + b"h13-caf\xe9"
    os.mkdir(top)
    with open(top + b"/ok.dcm", "wb") as f:
        image(study="1.2.826.0.1.3680043.10.77.13").save_as(f, enforce_file_format=True)
    if a.marker:
        open(top + b"/" + a.marker.encode(), "w").close()
    made.append(("h13-caf\\xe9", "a batch folder whose own name is not UTF-8"))

    for name, what in made:
        print(name.encode("unicode_escape").decode(), "\t", what)

if __name__ == "__main__":
    main()
