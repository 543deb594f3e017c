// libFuzzer harness for the HL7 parser, built into one module with Sources/HL7 (see
// run-hl7-fuzz.sh) so the parser itself is coverage-instrumented.
// Every input is parsed, every field of every message read through each API, then the
// inspect outputs, the stream reader and a builder round trip are exercised.

@_cdecl("LLVMFuzzerTestOneInput")
public func hl7FuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    hl7FuzzExercise(bytes)
    return 0
}

func hl7FuzzExercise(_ bytes: [UInt8]) {
    let file = HL7File.parse(bytes: bytes, name: "fuzz.hl7")
    _ = HL7File.looksLikeHL7(Array(bytes.prefix(16)))
    for e in file.errors { _ = e.description }
    for m in file.messages + file.rejectedMessages {
        _ = m.wireText
        _ = m.orderKeys
        _ = (m.msh.dateTime?.date, m.pid?.birthDate?.date, m.evn?.recordedDateTime, m.sch?.startDateTime, m.pv1?.admitDateTime)
        for obx in m.obxs { _ = (obx.values, obx.encapsulatedData.data, obx.observationDateTime) }
        for seg in m.segments {
            // The one-pass walks find what the lookups by number find.
            for (k, f) in seg.fields.prefix(64).enumerated() {
                precondition(f.rawBytes == seg.field(k + 1)?.rawBytes, "fields disagrees with field(n)")
                for (r, rep) in f.repetitions.prefix(8).enumerated() {
                    precondition(rep.value(component: 2) == f.value(repetition: r + 1, component: 2), "repetitions disagree with lookups")
                }
            }
            let count = seg.fieldCount
            guard count >= 1 else { continue }
            for n in 1...min(count + 1, 64) {
                guard let f = seg.field(n) else { continue }
                _ = f.tree
                _ = seg.value(field: n, repetition: 2, component: 3, subcomponent: 2)
            }
        }
        for path in ["MSH-9.2", "PID-3[2].4.2", "OBX[2]-5", "ZZZ-1", "MSH-2", "MSH-1"] { _ = m[path] }
        if let ack = Optional(HL7Acknowledgment.make(for: m, code: .error, controlID: "A", dateTime: "2025",
                                                     problem: file.errors.first.map(HL7Acknowledgment.Problem.init))) {
            precondition(HL7File.parse(text: ack, name: "ack").messages.count == 1, "our ACK must parse")
        }
    }
    // Caps only move messages from accepted to rejected, with one of the cap codes.
    let capped = HL7File.parse(bytes: bytes, name: "fuzz.hl7",
                               limits: HL7Limits(maxRepetitions: 2, maxSegments: 6, maxFieldBytes: 24, maxMessageBytes: 400))
    precondition(capped.messages.count + capped.rejectedMessages.count == file.messages.count + file.rejectedMessages.count,
                 "caps lost or made a message")
    precondition(capped.messages.map(\.index).allSatisfy(Set(file.messages.map(\.index)).contains), "caps accepted a rejected message")
    _ = HL7Inspect.text(file)
    _ = try? HL7Inspect.json(file)
    _ = try? HL7Inspect.field(file, path: "PID-3")

    // Stream reader: byte-by-byte must find the same messages as the whole-file parse.
    var reader = HL7StreamReader()
    var units: [[UInt8]] = []
    for b in bytes.prefix(4096) { units += reader.feed(CollectionOfOne(b)) }
    units += reader.finish()
    if bytes.count <= 4096 {
        let whole = file.messages.map(\.wireBytes)
        let split = units.flatMap { HL7File.parse(bytes: $0, name: "u").messages.map(\.wireBytes) }
        precondition(whole == split, "stream reader disagrees with the file parser")
    }

    // Chunked scanning reports what the whole-file parse reports.
    var scanned: [[UInt8]] = []
    let chunks = stride(from: 0, to: bytes.count, by: 7).map { bytes[$0..<min($0 + 7, bytes.count)] }
    if let summary = try? HL7File.scan(chunks: chunks, name: "fuzz.hl7", { scanned.append($0.wireBytes) }) {
        precondition(scanned == file.messages.map(\.wireBytes), "scan disagrees on messages")
        precondition(summary.errors == file.errors, "scan disagrees on errors")
    }

    // Any text we can read, we can write and read back unchanged.
    if let m = file.messages.first, let v = m.segment(at: 0).string(3) {
        var b = HL7MessageBuilder()
        try? b.set("MSH-9", "ADT"); try? b.set("MSH-10", "1"); try? b.set("MSH-11", "P"); try? b.set("MSH-12", "2.5.1")
        try? b.set("ZZZ-1.2.2", v)
        let back = HL7File.parse(bytes: b.bytes, name: "rt").messages.first?["ZZZ-1.2.2"]
        precondition(back == v, "builder round trip changed a value")
    }
    for p in [String(decoding: bytes.prefix(24), as: UTF8.self)] { _ = HL7Path(p) }
    _ = HL7DateTime(String(decoding: bytes.prefix(30), as: UTF8.self))
}
