import CCrypto
import Foundation

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
        var h = SHA256()
        h.update(data)
        return h.finalize().hexString
    }

    public static func hex(_ string: String) -> String {
        var h = SHA256()
        h.update(string)
        return h.finalize().hexString
    }

    /// Hashes a file in 1 MiB chunks; never holds the whole file in memory.
    public static func hex(fileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var h = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            h.update(chunk)
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
