#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// glibc's iconv, decoding to Unicode. Bytes the source charset does not define become U+FFFD
/// (one per offending byte, as Python's errors="replace" does), so a bad value never fails
/// the element it belongs to.
enum Iconv {
    /// nil when this iconv does not know `charset`.
    static func decode(_ bytes: UnsafeRawBufferPointer, from charset: String) -> String? {
        let cd = iconv_open("UTF-8", charset)
        guard let cd, Int(bitPattern: cd) != -1 else { return nil }
        defer { iconv_close(cd) }
        return convert(cd, bytes)
    }

    private static func convert(_ cd: iconv_t, _ bytes: UnsafeRawBufferPointer) -> String {
        _ = iconv(cd, nil, nil, nil, nil)
        if bytes.isEmpty { return "" }
        var out = [UInt8](repeating: 0, count: bytes.count * 4 + 16)
        var produced = 0
        var offset = 0
        let input = UnsafeMutableRawPointer(mutating: bytes.baseAddress!)
        while offset < bytes.count {
            var inPtr: UnsafeMutablePointer<CChar>? = (input + offset).assumingMemoryBound(to: CChar.self)
            var inLeft = bytes.count - offset
            let (status, err, written): (Int, Int32, Int) = out.withUnsafeMutableBytes { outBuf in
                var outPtr: UnsafeMutablePointer<CChar>? =
                    (outBuf.baseAddress! + produced).assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count - produced
                let before = outLeft
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                return (r, errno, before - outLeft)
            }
            produced += written
            offset = bytes.count - inLeft
            if status != -1 { break }
            if err == E2BIG {
                out.append(contentsOf: repeatElement(0, count: out.count))
                continue
            }
            // EILSEQ (not in the charset) or EINVAL (cut short at the end): mark and move on.
            if produced + 3 > out.count { out.append(contentsOf: repeatElement(0, count: 16)) }
            out[produced] = 0xEF; out[produced + 1] = 0xBF; out[produced + 2] = 0xBD
            produced += 3
            offset += 1
            _ = iconv(cd, nil, nil, nil, nil)      // back to the initial shift state
        }
        return String(decoding: out[0..<produced], as: UTF8.self)
    }

    /// A 256-entry byte → scalar table for a single-byte charset; undefined bytes map to U+FFFD.
    static func singleByteTable(_ charset: String) -> [Unicode.Scalar] {
        let cd = iconv_open("UTF-8", charset)
        guard let cd, Int(bitPattern: cd) != -1 else { return (0..<256).map { Unicode.Scalar(UInt8($0)) } }
        defer { iconv_close(cd) }
        return (0..<256).map { b -> Unicode.Scalar in
            let s = [UInt8(b)].withUnsafeBytes { convert(cd, $0) }
            return s.unicodeScalars.count == 1 ? s.unicodeScalars.first! : "\u{FFFD}"
        }
    }
}
