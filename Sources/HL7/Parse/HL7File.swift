import Foundation

/// Every message of one file (plain, concatenated, batched or MLLP-framed) and the problems
/// found, message by message: one bad message never hides the others.
public struct HL7File: Sendable {
    /// The file name as given (used in errors).
    public let name: String
    /// The messages that passed validation, in file order (see `HL7Message.index`).
    public let messages: [HL7Message]
    /// Problems with individual messages and with the batch envelope.
    public let errors: [HL7Error]
    /// Number of message units found, valid or not.
    public let messageUnitCount: Int
    /// The FHS/BHS/BTS/FTS segments, when the file is a batch.
    public let batchSegments: [HL7Segment]

    /// Messages that failed validation but whose MSH is readable (e.g. an unknown version),
    /// so they can be inspected and acknowledged with a NACK.
    public var rejectedMessages: [HL7Message] = []

    /// The first bytes of the file (for sniffing after the fact).
    public var prefix: [UInt8] = []

    public var isBatch: Bool { !batchSegments.isEmpty }

    /// Reads and parses a file. Throws only when the file cannot be read; a message over one
    /// of `limits` is rejected with the others still read.
    public static func open(path: String, limits: HL7Limits = HL7Limits()) throws -> HL7File {
        let name = (path as NSString).lastPathComponent
        guard let bytes = readFile(path) else { throw HL7Error(.unreadableFile, file: name) }
        return parse(bytes: bytes, name: name, limits: limits)
    }

    /// Reads straight into the array the parser keeps (no intermediate `Data` copy).
    static func readFile(_ path: String) -> [UInt8]? {
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var filled = 0
        let ok = bytes.withUnsafeMutableBytes { buf -> Bool in
            while filled < buf.count {
                let n = read(fd, buf.baseAddress! + filled, buf.count - filled)
                if n < 0 { if errno == EINTR { continue }; return false }
                if n == 0 { break }
                filled += n
            }
            return true
        }
        guard ok else { return nil }
        if filled < bytes.count { bytes.removeLast(bytes.count - filled) }
        // A file that grew while we read it: take the rest too.
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[..<n])
        }
        return bytes
    }

    /// A cheap sniff for classifiers: does this prefix start like HL7 v2 (MSH/FHS/BHS, possibly
    /// after an MLLP start byte, a UTF-8 BOM or blank lines)?
    public static func looksLikeHL7(_ prefix: [UInt8]) -> Bool {
        var i = 0
        if prefix.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while i < prefix.count, [0x0B, 0x0D, 0x0A, 0x20, 0x09].contains(prefix[i]) { i += 1 }
        guard prefix.count >= i + 4 else { return false }
        let id = SegmentEntry.pack(prefix[i], prefix[i + 1], prefix[i + 2])
        guard id == SegmentEntry.msh || id == SegmentEntry.fhs || id == SegmentEntry.bhs else { return false }
        return HL7Delimiters.isLegalDelimiter(prefix[i + 3])
    }

    public static func parse(bytes: [UInt8], name: String, limits: HL7Limits = HL7Limits()) -> HL7File {
        var file = HL7FileParser(bytes: bytes, name: name, limits: limits).run()
        file.prefix = Array(bytes.prefix(16))
        return file
    }

    public static func parse(text: String, name: String, limits: HL7Limits = HL7Limits()) -> HL7File {
        parse(bytes: Array(text.utf8), name: name, limits: limits)
    }
}
