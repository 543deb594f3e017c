/// Chinese: GB18030 and GBK (stand-alone, no code extensions) and GB 2312 (ISO 2022 IR 58,
/// designated to G1 by ESC $ ) A; without the escape the bytes are EUC-CN).
enum ChineseCharsets {
    static func decodeGB18030(_ bytes: UnsafeRawBufferPointer) -> String {
        Iconv.decode(bytes, from: "GB18030") ?? SingleByteCharsets.latin1(bytes)
    }

    static func decodeGBK(_ bytes: UnsafeRawBufferPointer) -> String {
        Iconv.decode(bytes, from: "GBK") ?? SingleByteCharsets.latin1(bytes)
    }

    static func decodeGB2312(_ bytes: UnsafeRawBufferPointer) -> String {
        Iconv.decode(bytes, from: "EUC-CN") ?? SingleByteCharsets.latin1(bytes)
    }
}
