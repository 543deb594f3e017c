import Foundation

/// ACK/NACK for a received message (original acknowledgment mode, v2.5.1 chapter 2.9.2).
public enum HL7Acknowledgment {
    /// MSA-1 (table 0008).
    public enum Code: String, Sendable {
        case accept = "AA", error = "AE", reject = "AR"
    }

    /// ERR details: where the problem is and an HL7 table 0357 code.
    public struct Problem: Sendable {
        public var segment: String?
        public var segmentPosition: Int?
        public var field: Int?
        /// Table 0357, e.g. 100 segment sequence error, 101 required field missing,
        /// 203 unsupported version, 207 application internal error.
        public var code: Int
        public var text: String

        public init(segment: String? = nil, segmentPosition: Int? = nil, field: Int? = nil, code: Int = 207, text: String) {
            self.segment = segment
            self.segmentPosition = segmentPosition
            self.field = field
            self.code = code
            self.text = text
        }

        /// The ERR for one of our parse errors (its description carries no patient data).
        public init(_ error: HL7Error) {
            let code: Int
            switch error.code {
            case .unknownVersion: code = 203
            case .mshTooShort: code = 101
            case .missingMSH, .badSegment, .unexpectedSegment: code = 100
            default: code = 207
            }
            self.init(segment: error.segment, segmentPosition: error.segmentPosition, field: error.field,
                      code: code, text: "\(error.code)")
        }

        static let codeNames = [100: "Segment sequence error", 101: "Required field missing", 102: "Data type error",
                                103: "Table value not found", 200: "Unsupported message type",
                                201: "Unsupported event code", 202: "Unsupported processing id",
                                203: "Unsupported version id", 204: "Unknown key identifier",
                                205: "Duplicate key identifier", 206: "Application record locked",
                                207: "Application internal error"]
    }

    /// Builds the acknowledgment: sender and receiver swapped, MSA-2 = the original MSH-10,
    /// the original version and processing ID, and ERR when `problem` is given.
    public static func make(for message: HL7Message, code: Code, controlID: String, dateTime: String,
                            problem: Problem? = nil) -> String {
        let msh = message.msh
        var b = HL7MessageBuilder(delimiters: .standard)
        func set(_ path: String, _ value: String?) { try! b.set(path, value) }
        let version = msh.version.flatMap { HL7Version.isKnown($0) ? $0 : nil } ?? "2.5.1"
        set("MSH-3", msh.receivingApplication); set("MSH-4", msh.receivingFacility)
        set("MSH-5", msh.sendingApplication); set("MSH-6", msh.sendingFacility)
        set("MSH-7", dateTime)
        set("MSH-9.1", "ACK"); set("MSH-9.2", msh.messageType?.trigger)
        if Self.atLeast25(version) { set("MSH-9.3", "ACK") }
        set("MSH-10", controlID); set("MSH-11", msh.processingID ?? "P"); set("MSH-12", version)
        set("MSA-1", code.rawValue); set("MSA-2", msh.controlID ?? "")
        if let problem {
            let name = Problem.codeNames[problem.code] ?? "Application internal error"
            if atLeast25(version) {
                set("ERR-2.1", problem.segment); set("ERR-2.2", problem.segmentPosition.map(String.init))
                set("ERR-2.3", problem.field.map(String.init))
                set("ERR-3.1", String(problem.code)); set("ERR-3.2", name); set("ERR-3.3", "HL70357")
                set("ERR-4", code == .accept ? "W" : "E")
                set("ERR-8", problem.text)
            } else {
                set("ERR-1.1", problem.segment); set("ERR-1.2", problem.segmentPosition.map(String.init))
                set("ERR-1.3", problem.field.map(String.init))
                try! b.set(HL7Path(segment: "ERR", field: 1, component: 4, subcomponent: 1), String(problem.code))
                try! b.set(HL7Path(segment: "ERR", field: 1, component: 4, subcomponent: 2), problem.text)
                try! b.set(HL7Path(segment: "ERR", field: 1, component: 4, subcomponent: 3), "HL70357")
            }
        }
        return b.build()
    }

    static func atLeast25(_ version: String) -> Bool {
        let parts = version.split(separator: ".").compactMap { Int($0) }
        return parts.count >= 2 && (parts[0] > 2 || parts[1] >= 5)
    }
}
