import Foundation

/// A file carried by a mail. `outboxPath` is where the same file was delivered, so a mail that
/// would be too big can point to it instead of carrying it.
public struct MailAttachment: Sendable, Equatable {
    public var filename: String
    public var contentType: String
    public var data: [UInt8]
    public var outboxPath: String?

    public init(filename: String, data: [UInt8], contentType: String? = nil, outboxPath: String? = nil) {
        self.filename = filename
        self.data = data
        self.contentType = contentType ?? Self.contentType(forFilename: filename)
        self.outboxPath = outboxPath
    }

    /// Reads a report file; the name in the mail defaults to its last path component.
    public static func file(_ path: String, filename: String? = nil, outboxPath: String? = nil) throws(MailConfigError) -> MailAttachment {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MailConfigError(setting: "attach", problem: "cannot read \(path)")
        }
        return MailAttachment(filename: filename ?? (path as NSString).lastPathComponent, data: Array(data), outboxPath: outboxPath)
    }

    static func contentType(forFilename name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "pdf": "application/pdf"
        case "csv": "text/csv"
        case "png": "image/png"
        case "json": "application/json"
        case "txt": "text/plain"
        case "hl7": "x-application/hl7-v2+er7"
        case "dcm": "application/dicom"
        default: "application/octet-stream"
        }
    }

    /// Bytes this attachment adds to a rendered mail (headers plus base64 lines).
    var encodedSize: Int { 300 + filename.utf8.count * 3 + MIMEEncoding.base64LinesSize(data.count) }
}
