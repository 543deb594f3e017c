/// Why a file could not be parsed: the file, the element (when known) and the byte offset.
/// `description` is safe to log: it never contains a value.
public struct DICOMParseError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: Sendable, Equatable, CustomStringConvertible {
        case notDICOM
        case emptyFile
        case missingFileMeta
        case truncatedHeader(needed: Int, remaining: Int)
        case lengthExceedsRemaining(length: UInt32, remaining: Int)
        case undefinedLengthNotAllowed(VR)
        case expectedItem(found: Tag)
        case missingDelimiter
        case nestingTooDeep(limit: Int)
        case inflateFailed(zlib: Int32)
        case inflatedTooLarge(limit: Int)
        case io(errno: Int32)
        /// The whole file would be read into memory, and it is larger than the limit.
        case fileTooLarge(size: Int, limit: Int)

        public var description: String {
            switch self {
            case .notDICOM: return "not a DICOM file (no DICM prefix and no plausible data set)"
            case .emptyFile: return "empty file"
            case .missingFileMeta: return "no file meta information after the DICM prefix"
            case .truncatedHeader(let n, let r): return "element header of \(n) bytes truncated (\(r) bytes remain)"
            case .lengthExceedsRemaining(let l, let r): return "value length \(l) exceeds remaining \(r) bytes"
            case .undefinedLengthNotAllowed(let vr): return "undefined length not allowed for VR \(vr.isWellFormed ? vr.code : "??")"
            case .expectedItem(let t): return "expected an item tag (FFFE,E000), found \(t)"
            case .missingDelimiter: return "undefined-length sequence or item runs past its end without a delimiter"
            case .nestingTooDeep(let l): return "sequences nested deeper than \(l) levels"
            case .inflateFailed(let z): return "deflate stream is corrupt (zlib \(z))"
            case .inflatedTooLarge(let l): return "deflated data set inflates beyond \(l) bytes"
            case .io(let e): return "cannot read file (errno \(e))"
            case .fileTooLarge(let size, let limit): return "file of \(size) bytes is larger than the \(limit) bytes read at most (limits.max_decoded_bytes)"
            }
        }
    }

    public let code: Code
    public let file: String
    public let tag: Tag?
    public let offset: Int

    public init(code: Code, file: String, tag: Tag?, offset: Int) {
        self.code = code
        self.file = file
        self.tag = tag
        self.offset = offset
    }

    public var description: String { "\(file): \(problem)" }

    /// What is wrong and where, without the file name: for reports that already name the file.
    public var problem: String { "\(code) at offset \(offset)\(tag.map { " in \($0)" } ?? "")" }
}
