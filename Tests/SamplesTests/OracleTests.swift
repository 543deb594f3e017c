import Foundation
import Samples
import TestSupport
import Testing

/// Independent oracles (pydicom, python zipfile, python-hl7) read what we wrote; they fail,
/// not skip, when missing.
@Suite struct OracleTests {
    struct Report: Decodable {
        var errors: [String]
        var checkedFiles: Int
        var checkedNodules: Int
        var checkedBadFiles: Int
        var checkedOrders: Int
        var zipEntries: Int
    }

    @Test func pydicomReadsEveryGoodFileAndSeesTheNodules() throws {
        let drop = try SampleFixture.drop()
        let result = try runPython(Self.readBack, [drop.inbox, drop.summary.groundTruthPath])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.errors == [])
        let goodFiles = drop.truth.studies.reduce(0) { $0 + $1.files.count }
        #expect(report.checkedFiles == goodFiles)
        #expect(report.checkedNodules == drop.truth.studies.reduce(0) { $0 + $1.nodules.count })
        #expect(report.checkedNodules >= 3)
        #expect(report.checkedBadFiles == drop.truth.badFiles.count)
        #expect(report.checkedBadFiles == 5)
        #expect(report.zipEntries == drop.truth.studies.filter { $0.batch.hasSuffix(".zip") }.reduce(0) { $0 + $1.files.count })
    }

    @Test func hl7OrdersMatchTheDICOMStudies() throws {
        let drop = try SampleFixture.drop()
        let result = try runPython(Self.orders, [drop.inbox, drop.summary.groundTruthPath])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.errors == [])
        #expect(report.checkedOrders == drop.truth.orders.count)
        #expect(report.checkedOrders == 5)
    }

    /// hl7apy validates the OMI^O23 messages strictly. (Its ORM_O01 model treats the
    /// OBR|RQD|RQ1|RXO|ODS|ODT choice as a sequence, so it rejects every real ORM^O01; python-hl7
    /// covers those above.)
    @Test func hl7apyValidatesTheOMIOrders() throws {
        let drop = try SampleFixture.drop()
        let batches = Set(drop.truth.orders.map(\.batch))
        #expect(!batches.isEmpty)
        for batch in batches {
            let result = try runPython(Self.hl7apy, ["\(drop.inbox)/\(batch)/orders.hl7"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                == String(drop.truth.orders.filter { $0.batch == batch && $0.messageType == "OMI^O23" }.count))
        }
    }

    static let hl7apy = #"""
        import sys
        from hl7apy.parser import parse_message
        from hl7apy.consts import VALIDATION_LEVEL
        segments = open(sys.argv[1], "rb").read().decode("ascii").split("\r")
        messages, current = [], None
        for s in segments:
            if s.startswith("MSH"):
                current = [s]; messages.append(current)
            elif s[:3] in ("FHS", "BHS", "BTS", "FTS", ""):
                current = None
            else:
                current.append(s)
        valid = 0
        for m in messages:
            if "OMI^O23" not in m[0]: continue
            parse_message("\r".join(m), validation_level=VALIDATION_LEVEL.STRICT, find_groups=True).validate()
            valid += 1
        print(valid)
        """#

    /// pydicom reads each good file and checks it against ground truth; nodules must be
    /// brighter (MONOCHROME1: darker) than the ring around them; bad files fail as stated.
    static let readBack = #"""
        import sys, json, os, zipfile, tempfile
        import numpy as np
        import pydicom
        from pydicom.errors import InvalidDicomError
        inbox, gt_path = sys.argv[1], sys.argv[2]
        gt = json.load(open(gt_path))
        errors = []
        tmp = tempfile.mkdtemp()
        roots, institutions, zip_entries = {}, {}, 0
        for b in gt["batches"]:
            p = os.path.join(inbox, b["name"])
            institutions[b["name"]] = b["institution"]
            if b["kind"] == "zip":
                with zipfile.ZipFile(p) as z:
                    if z.testzip() is not None: errors.append("zip CRC error")
                    zip_entries = len(z.namelist())
                    d = os.path.join(tmp, b["name"]); z.extractall(d)
                roots[b["name"]] = d
            else:
                roots[b["name"]] = p
        sop = {"DX": "1.2.840.10008.5.1.4.1.1.1.1", "CR": "1.2.840.10008.5.1.4.1.1.1",
               "CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4"}
        checked = nodules = 0
        for s in gt["studies"]:
            root = roots[s["batch"]]
            by_number, zs = {}, []
            for f in s["files"]:
                path = os.path.join(root, f)
                ds = pydicom.dcmread(path)
                checked += 1
                want = {"StudyInstanceUID": s["study_instance_uid"], "SeriesInstanceUID": s["series_instance_uid"],
                        "AccessionNumber": s["accession_number"], "PatientID": s["patient_id"],
                        "Modality": s["modality"], "Rows": s["rows"], "Columns": s["columns"],
                        "PhotometricInterpretation": s["photometric_interpretation"], "BodyPartExamined": "CHEST",
                        "SOPClassUID": sop[s["modality"]], "InstitutionName": institutions[s["batch"]]}
                for k, v in want.items():
                    if ds.get(k) != v: errors.append(f"{f}: {k} is {ds.get(k)!r}, expected {v!r}")
                if ds.file_meta.TransferSyntaxUID != s["transfer_syntax"]: errors.append(f"{f}: transfer syntax")
                if ds.file_meta.MediaStorageSOPInstanceUID != ds.SOPInstanceUID: errors.append(f"{f}: meta SOP UID")
                if not str(ds.PatientName).startswith("SAMPLE^PATIENT^"): errors.append(f"{f}: patient name")
                if abs(float(ds.PixelSpacing[0]) - s["pixel_spacing_mm"]) > 1e-6: errors.append(f"{f}: spacing")
                arr = ds.pixel_array
                if arr.shape != (s["rows"], s["columns"]) or arr.dtype != np.uint16: errors.append(f"{f}: pixels {arr.shape}")
                if arr.max() >= 2 ** int(ds.BitsStored): errors.append(f"{f}: value above Bits Stored")
                by_number[int(ds.InstanceNumber)] = (ds, arr)
                if s["modality"] in ("CT", "MR"):
                    zs.append(float(ds.ImagePositionPatient[2]))
                    if s["modality"] == "CT" and (float(ds.RescaleIntercept) != -1024 or ds.RescaleType != "HU"):
                        errors.append(f"{f}: CT rescale")
            n = len(s["files"]) + len(s["completeness"])
            missing = {p["missing_instance_number"] for p in s["completeness"]}
            if set(by_number) != set(range(1, n + 1)) - missing: errors.append(f"{s['path']}: instance numbers")
            if zs:
                steps = np.diff(sorted(zs))
                gaps = int(np.sum(steps > 1.5 * steps.min()))
                if gaps != len(missing): errors.append(f"{s['path']}: {gaps} position gaps, expected {len(missing)}")
            if s["has_finding"] != bool(s["nodules"]): errors.append(f"{s['path']}: has_finding")
            for nd in s["nodules"]:
                ds, arr = by_number[nd.get("instance_number") or 1]
                if ds.SOPInstanceUID != nd["sop_instance_uid"]: errors.append(f"{s['path']}: nodule SOP UID")
                img = arr.astype(np.float64)
                yy, xx = np.mgrid[0:img.shape[0], 0:img.shape[1]]
                d = np.hypot(xx - nd["x"], yy - nd["y"])
                r = nd["radius_px"]
                inside = img[d <= max(0.6 * r, 1.0)].mean()
                ring = img[(d >= 1.5 * r) & (d <= 2.1 * r)].mean()
                contrast = inside - ring
                if ds.PhotometricInterpretation == "MONOCHROME1": contrast = -contrast
                full = 2 ** int(ds.BitsStored)
                if contrast < 0.1 * full:
                    errors.append(f"{s['path']}: nodule at {nd['x']},{nd['y']} contrast {contrast:.0f} of {full}")
                nodules += 1
        bad = 0
        for bf in gt["bad_files"]:
            path = os.path.join(roots[bf["batch"]], bf["path"])
            reason = bf["reason"]
            try:
                ds = pydicom.dcmread(path)
                ds.pixel_array if reason == "truncated" else None
                outcome = "read"
            except InvalidDicomError:
                outcome = "not-dicom"
            except Exception:
                outcome = "error"
            if reason == "not-dicom" and outcome != "not-dicom": errors.append(f"{bf['path']}: read as DICOM")
            if reason == "truncated" and outcome != "error": errors.append(f"{bf['path']}: read completely ({outcome})")
            if reason == "missing-attribute":
                if outcome != "read": errors.append(f"{bf['path']}: unreadable")
                elif bf["missing_attribute"] in ds: errors.append(f"{bf['path']}: still has {bf['missing_attribute']}")
                elif "SOPInstanceUID" not in ds or "PixelData" not in ds: errors.append(f"{bf['path']}: lost more")
            bad += 1
        for ig in gt["ignored_files"]:
            if not os.path.exists(os.path.join(roots[ig["batch"]], ig["path"])): errors.append(f"{ig['path']}: absent")
        print(json.dumps({"errors": errors, "checkedFiles": checked, "checkedNodules": nodules,
                          "checkedBadFiles": bad, "checkedOrders": 0, "zipEntries": zip_entries}))
        """#

    /// python-hl7 parses the batch file; counts, accessions, patient IDs and UIDs must agree.
    static let orders = #"""
        import sys, json, os
        import hl7
        inbox, gt_path = sys.argv[1], sys.argv[2]
        gt = json.load(open(gt_path))
        errors, checked = [], 0
        for batch in sorted({o["batch"] for o in gt["orders"]}):
            raw = open(os.path.join(inbox, batch, "orders.hl7"), "rb").read()
            if b"\n" in raw or not raw.endswith(b"\r"): errors.append("segments must end with CR only")
            f = hl7.parse_file(raw.decode("ascii"))
            if str(f.header[0]) != "FHS" or str(f.trailer[0]) != "FTS": errors.append("FHS/FTS")
            if int(str(f.trailer[1])) != len(f): errors.append("FTS-1 count")
            studies = {s["accession_number"]: s for s in gt["studies"] if s["batch"] == batch}
            expected = {o["accession_number"]: o for o in gt["orders"] if o["batch"] == batch}
            seen = set()
            for b in f:
                if int(str(b.trailer[1])) != len(b): errors.append("BTS-1 count")
                for m in b:
                    checked += 1
                    msh, pid, orc, obr = m.segment("MSH"), m.segment("PID"), m.segment("ORC"), m.segment("OBR")
                    acc = str(orc[3]).split("^")[0]
                    if str(obr[3]).split("^")[0] != acc: errors.append(f"{acc}: OBR-3 differs from ORC-3")
                    pid3 = str(pid[3]).split("^")
                    o = expected.get(acc)
                    if o is None: errors.append(f"{acc}: not in ground truth"); continue
                    seen.add(acc)
                    if pid3[0] != o["patient_id"] or len(pid3) < 4 or not pid3[3]: errors.append(f"{acc}: PID-3")
                    if str(msh[9]).split("^")[:2] != o["message_type"].split("^"): errors.append(f"{acc}: MSH-9")
                    if str(msh[10]) != o["message_control_id"]: errors.append(f"{acc}: MSH-10")
                    if o["message_type"] == "OMI^O23":
                        ipc = m.segment("IPC")
                        if str(ipc[1]).split("^")[0] != acc: errors.append(f"{acc}: IPC-1")
                        if str(ipc[3]) != o.get("study_instance_uid"): errors.append(f"{acc}: IPC-3")
                    s = studies.get(acc)
                    if o["has_images"] != (s is not None): errors.append(f"{acc}: has_images")
                    if s is not None:
                        if s["patient_id"] != pid3[0]: errors.append(f"{acc}: patient differs from DICOM")
                        if o.get("study_instance_uid") not in (None, s["study_instance_uid"]): errors.append(f"{acc}: study UID")
            if seen != set(expected): errors.append("orders missing from the file")
            if not set(studies) <= seen: errors.append("a DICOM study of this batch has no order")
        print(json.dumps({"errors": errors, "checkedFiles": 0, "checkedNodules": 0, "checkedBadFiles": 0,
                          "checkedOrders": checked, "zipEntries": 0}))
        """#
}
