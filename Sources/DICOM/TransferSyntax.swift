/// A transfer syntax: how the data set after the meta header is encoded (PS3.5 10, PS3.6 A).
public struct TransferSyntax: Hashable, Sendable, CustomStringConvertible {
    public let uid: String
    public let isExplicitVR: Bool
    public let isLittleEndian: Bool
    public let isDeflated: Bool
    /// Pixel data is a sequence of fragments (PS3.5 A.4) rather than native samples.
    public let isEncapsulated: Bool
    public let name: String

    init(_ uid: String, _ name: String, explicit: Bool = true, little: Bool = true,
         deflated: Bool = false, encapsulated: Bool = false) {
        self.uid = uid
        self.name = name
        isExplicitVR = explicit
        isLittleEndian = little
        isDeflated = deflated
        isEncapsulated = encapsulated
    }

    public var description: String { name }

    public static let implicitVRLittleEndian = TransferSyntax("1.2.840.10008.1.2", "Implicit VR Little Endian", explicit: false)
    public static let explicitVRLittleEndian = TransferSyntax("1.2.840.10008.1.2.1", "Explicit VR Little Endian")
    public static let encapsulatedUncompressed = TransferSyntax("1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian", encapsulated: true)
    public static let deflatedExplicitVRLittleEndian = TransferSyntax("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", deflated: true)
    public static let explicitVRBigEndian = TransferSyntax("1.2.840.10008.1.2.2", "Explicit VR Big Endian", little: false)
    public static let rleLossless = TransferSyntax("1.2.840.10008.1.2.5", "RLE Lossless", encapsulated: true)
    public static let jpegBaseline = TransferSyntax("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", encapsulated: true)
    public static let jpegExtended = TransferSyntax("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", encapsulated: true)
    public static let jpegLossless = TransferSyntax("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", encapsulated: true)
    public static let jpegLosslessSV1 = TransferSyntax("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", encapsulated: true)
    public static let jpegLSLossless = TransferSyntax("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", encapsulated: true)
    public static let jpegLSNearLossless = TransferSyntax("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)", encapsulated: true)
    public static let jpeg2000Lossless = TransferSyntax("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", encapsulated: true)
    public static let jpeg2000 = TransferSyntax("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", encapsulated: true)
    public static let jpeg2000MCLossless = TransferSyntax("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component (Lossless Only)", encapsulated: true)
    public static let jpeg2000MC = TransferSyntax("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component", encapsulated: true)
    public static let mpeg2MPML = TransferSyntax("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", encapsulated: true)
    public static let mpeg2MPHL = TransferSyntax("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", encapsulated: true)
    public static let mpeg4HP41 = TransferSyntax("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", encapsulated: true)
    public static let mpeg4HP41BD = TransferSyntax("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", encapsulated: true)
    public static let mpeg4HP422D = TransferSyntax("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", encapsulated: true)
    public static let mpeg4HP423D = TransferSyntax("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", encapsulated: true)
    public static let mpeg4Stereo = TransferSyntax("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", encapsulated: true)
    public static let hevcMain = TransferSyntax("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", encapsulated: true)
    public static let hevcMain10 = TransferSyntax("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", encapsulated: true)
    public static let jpegXLLossless = TransferSyntax("1.2.840.10008.1.2.4.110", "JPEG XL Lossless", encapsulated: true)
    public static let jpegXLRecompression = TransferSyntax("1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression", encapsulated: true)
    public static let jpegXL = TransferSyntax("1.2.840.10008.1.2.4.112", "JPEG XL", encapsulated: true)
    public static let htj2kLossless = TransferSyntax("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", encapsulated: true)
    public static let htj2kLosslessRPCL = TransferSyntax("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", encapsulated: true)
    public static let htj2k = TransferSyntax("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", encapsulated: true)

    public static let known: [TransferSyntax] = [
        implicitVRLittleEndian, explicitVRLittleEndian, encapsulatedUncompressed,
        deflatedExplicitVRLittleEndian, explicitVRBigEndian, rleLossless, jpegBaseline,
        jpegExtended, jpegLossless, jpegLosslessSV1, jpegLSLossless, jpegLSNearLossless,
        jpeg2000Lossless, jpeg2000, jpeg2000MCLossless, jpeg2000MC, mpeg2MPML, mpeg2MPHL,
        mpeg4HP41, mpeg4HP41BD, mpeg4HP422D, mpeg4HP423D, mpeg4Stereo, hevcMain, hevcMain10,
        jpegXLLossless, jpegXLRecompression, jpegXL, htj2kLossless, htj2kLosslessRPCL, htj2k,
    ]

    /// The syntax for a UID read from a file. Unknown UIDs are taken as explicit VR little
    /// endian (the rule for every syntax since 1.2.840.10008.1.2.1), encapsulated when they
    /// sit in the compressed 1.2.840.10008.1.2.4 arc.
    public init(uid raw: String) {
        var uid = Substring(raw)
        while let l = uid.last, l == " " || l == "\0" { uid.removeLast() }
        while let f = uid.first, f == " " { uid.removeFirst() }
        if let k = TransferSyntax.known.first(where: { $0.uid == uid }) {
            self = k
        } else {
            let s = String(uid)
            self.init(s, s, encapsulated: s.hasPrefix("1.2.840.10008.1.2.4."))
        }
    }
}
