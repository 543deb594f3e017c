/// Why a frame could not be decoded. The description names the frame and the reason, never
/// pixel values, so it is safe to log.
public struct PixelDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// Encapsulated with a codec we do not implement (yet): the syntax's name and UID.
        case notDecoded(name: String, uid: String)
        /// The pixel data ends before this frame does.
        case truncated(needed: Int, available: Int)
        case frameOutOfRange(count: Int)
        /// Encapsulated pixel data ends (end of file) inside this frame.
        case cut
        /// A (0028,xxxx) attribute is missing, zero or inconsistent; names the attribute.
        case badAttribute(String)
        case unsupported(String)
        /// The codec for the transfer syntax refused the frame's code stream: its name and why.
        case codec(name: String, message: String)
        /// The header asks for more than `limits:` allows; names the attribute and the limit.
        case overLimit(attribute: String, limit: Int)
    }
    public let code: Code
    public let frame: Int?

    public init(_ code: Code, frame: Int? = nil) {
        self.code = code
        self.frame = frame
    }

    public var description: String {
        let at = frame.map { " (frame \($0))" } ?? ""
        switch code {
        case .notDecoded(let name, let uid): return "compressed with \(name) (\(uid)), not decoded"
        case .truncated(let needed, let available):
            return "pixel data too short\(at): frame needs \(needed) bytes, \(available) present"
        case .cut: return "pixel data cut short\(at): the file ends inside this frame"
        case .frameOutOfRange(let count): return "frame index out of range\(at): \(count) frames"
        case .badAttribute(let name): return "unusable \(name)\(at)"
        case .unsupported(let what): return "unsupported \(what)\(at)"
        case .codec(let name, let message): return "\(name)\(at): \(message)"
        case .overLimit(let attribute, let limit): return "\(attribute) is over the limit of \(limit)\(at) (limits: in the pipeline file)"
        }
    }
}
