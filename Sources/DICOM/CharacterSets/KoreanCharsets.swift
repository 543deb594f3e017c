/// Korean: KS X 1001 (ISO 2022 IR 149), designated to G1 by ESC $ ) C. With the escape removed
/// the bytes are EUC-KR (G0 ASCII, G1 KS X 1001 with the high bit set).
enum KoreanCharsets {
    static func decodeKSX1001(_ bytes: UnsafeRawBufferPointer) -> String {
        Iconv.decode(bytes, from: "EUC-KR") ?? SingleByteCharsets.latin1(bytes)
    }
}
