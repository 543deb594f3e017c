import CCrypto
public import Foundation

/// Streaming SHA-256 over OpenSSL's EVP interface (uses SHA-NI/AVX2 where the CPU has them).
public struct SHA256: ~Copyable {
    private let context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    public mutating func update(_ data: some DataProtocol) {
        for region in data.regions { region.withUnsafeBytes { update($0) } }
    }

    public mutating func update(_ string: String) {
        var copy = string
        copy.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Finishes the digest and returns the 32 raw bytes.
    public consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &length)
        return out
    }

    public static func hex(_ data: some DataProtocol) -> String {
        if data.count < ShortSHA256.limit {
            return [UInt8](data).withUnsafeBytes { ShortSHA256.digest($0) }.hexString
        }
        var h = SHA256()
        h.update(data)
        return h.finalize().hexString
    }

    public static func hex(_ string: String) -> String {
        var copy = string
        return copy.withUTF8 { utf8 in
            if utf8.count < ShortSHA256.limit { return ShortSHA256.digest(UnsafeRawBufferPointer(utf8)).hexString }
            var h = SHA256()
            h.update(UnsafeRawBufferPointer(utf8))
            return h.finalize().hexString
        }
    }

    /// Hashes a file in 1 MiB reads; never holds the whole file in memory. (FileHandle's
    /// read(upToCount:) issued one 4 KiB read(2) after another: 310,000 calls for a 1.27 GB drop.)
    public static func hex(fileAt path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CocoaError.reading(path) }
        defer { close(fd) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        var h = SHA256()
        while true {
            let n = read(fd, buffer, size)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw CocoaError.reading(path) }
            if n == 0 { break }
            h.update(UnsafeRawBufferPointer(start: buffer, count: n))
        }
        return h.finalize().hexString
    }
}

extension Sequence<UInt8> {
    public var hexString: String {
        var s = ""
        s.reserveCapacity(64)
        for b in self {
            s.append(Character(Unicode.Scalar(UInt8(ascii: "0") + (b >> 4) + (b >> 4 > 9 ? 39 : 0))))
            s.append(Character(Unicode.Scalar(UInt8(ascii: "0") + (b & 15) + (b & 15 > 9 ? 39 : 0))))
        }
        return s
    }
}

/// SHA-256 (FIPS 180-4) in Swift for short messages: names, UIDs and keys. OpenSSL's EVP
/// interface loads its provider on first use, 1.5 ms that a `sluice scan`, which hashes nothing
/// but twenty study UIDs, would otherwise spend; files still go through OpenSSL (SHA-NI).
enum ShortSHA256 {
    /// Below this many bytes a message is hashed here: a few blocks cost less than the
    /// context OpenSSL allocates per digest.
    static let limit = 4096

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func digest(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        // The message, a 1 bit, zeros to 56 mod 64, and the length in bits (big endian).
        var padded = [UInt8](message)
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        let bits = UInt64(message.count) * 8
        for shift in stride(from: 56, through: 0, by: -8) { padded.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }

        var w = [UInt32](repeating: 0, count: 64)
        for block in stride(from: 0, to: padded.count, by: 64) {
            for t in 0..<16 {
                let i = block + 4 * t
                w[t] = UInt32(padded[i]) << 24 | UInt32(padded[i + 1]) << 16 | UInt32(padded[i + 2]) << 8 | UInt32(padded[i + 3])
            }
            for t in 16..<64 {
                let s0 = w[t - 15].rotr(7) ^ w[t - 15].rotr(18) ^ (w[t - 15] >> 3)
                let s1 = w[t - 2].rotr(17) ^ w[t - 2].rotr(19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            for t in 0..<64 {
                let t1 = hh &+ (e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)) &+ ((e & f) ^ (~e & g)) &+ k[t] &+ w[t]
                let t2 = (a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
        }
        return h.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * UInt32($0))) } }
    }
}

private extension UInt32 {
    func rotr(_ n: UInt32) -> UInt32 { self >> n | self << (32 - n) }
}

private extension CocoaError {
    /// errno as the error Foundation's own file reading gives: it names the file.
    static func reading(_ path: String) -> CocoaError {
        let posix = POSIXErrorCode(rawValue: errno) ?? .EIO
        let code: CocoaError.Code = switch posix {
        case .ENOENT: .fileReadNoSuchFile
        case .EACCES, .EPERM: .fileReadNoPermission
        default: .fileReadUnknown
        }
        return CocoaError(code, userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: POSIXError(posix)])
    }
}
