/// A value representation, stored as its two ASCII characters so comparing and switching is cheap.
public struct VR: Hashable, Sendable, CustomStringConvertible {
    /// The two characters packed big-endian (`"OB"` = 0x4F42), as they appear in a file.
    public let raw: UInt16

    @inlinable
    public init(raw: UInt16) { self.raw = raw }

    /// Returns nil unless `code` is two upper-case letters.
    public init?(_ code: String) {
        let u = Array(code.utf8)
        guard u.count == 2, u.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else { return nil }
        raw = UInt16(u[0]) << 8 | UInt16(u[1])
    }

    public var code: String {
        String(decoding: [UInt8(raw >> 8), UInt8(raw & 0xFF)], as: UTF8.self)
    }

    public var description: String { code }

    /// True when both characters are upper-case letters (a plausible explicit VR on the wire).
    @inlinable
    public var isWellFormed: Bool {
        let a = raw >> 8, b = raw & 0xFF
        return a >= 0x41 && a <= 0x5A && b >= 0x41 && b <= 0x5A
    }

    private static func c(_ s: StaticString) -> VR {
        let p = s.utf8Start
        return VR(raw: UInt16(p[0]) << 8 | UInt16(p[1]))
    }

    public static let AE = c("AE"), AS = c("AS"), AT = c("AT"), CS = c("CS"), DA = c("DA")
    public static let DS = c("DS"), DT = c("DT"), FL = c("FL"), FD = c("FD"), IS = c("IS")
    public static let LO = c("LO"), LT = c("LT"), OB = c("OB"), OD = c("OD"), OF = c("OF")
    public static let OL = c("OL"), OV = c("OV"), OW = c("OW"), PN = c("PN"), SH = c("SH")
    public static let SL = c("SL"), SQ = c("SQ"), SS = c("SS"), ST = c("ST"), SV = c("SV")
    public static let TM = c("TM"), UC = c("UC"), UI = c("UI"), UL = c("UL"), UN = c("UN")
    public static let UR = c("UR"), US = c("US"), UT = c("UT"), UV = c("UV")

    /// Every VR of PS3.5 Table 6.2-1.
    public static let all: [VR] = [
        AE, AS, AT, CS, DA, DS, DT, FL, FD, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH,
        SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV,
    ]

    /// Explicit VR encodings give these a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2).
    @inlinable
    public var hasLongLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .SV, .UC, .UN, .UR, .UT, .UV: return true
        default: return false
        }
    }

    /// Character-string VRs: values are text, multiple values split by `\`.
    public var isString: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT:
            return true
        default: return false
        }
    }

    /// Text VRs that Specific Character Set (0008,0005) applies to (PS3.5 6.1.2.3).
    public var usesCharacterSet: Bool {
        switch self {
        case .LO, .LT, .PN, .SH, .ST, .UC, .UT: return true
        default: return false
        }
    }

    /// Single-valued text VRs: a backslash is data, not a separator.
    public var isSingleValuedText: Bool {
        switch self {
        case .LT, .ST, .UT, .UR: return true
        default: return false
        }
    }

    /// Bytes per value for fixed-size binary VRs (also the unit to byte-swap big endian data).
    public var binaryWidth: Int? {
        switch self {
        case .US, .SS, .OW: return 2
        case .UL, .SL, .FL, .OF, .OL, .AT: return 4
        case .FD, .OD, .UV, .SV, .OV: return 8
        case .OB, .UN: return 1
        default: return nil
        }
    }

    /// Opaque binary VRs (DICOM JSON's InlineBinary).
    public var isBulkBinary: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN: return true
        default: return false
        }
    }

    /// Pad byte to make a value even length: NUL for UI and binary, space for text.
    public var paddingByte: UInt8 {
        if self == .UI { return 0 }
        return isString ? 0x20 : 0
    }
}
