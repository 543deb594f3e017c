#!/usr/bin/env python3
"""Generates Sources/DICOM/Dictionary/DataDictionary+Generated.swift.

Source: pydicom's generated tables `pydicom/_dicom_dict.py` (public dictionary, from the DICOM
standard PS3.6/PS3.7, edition named in pydicom/_version.py `__dicom_version__`) and
`pydicom/_private_dict.py` (private tags, from GDCM's private dictionary). Install with
`pip install pydicom` (used: pydicom 3.0.2, DICOM 2024c). The modules are executed as plain
Python files; pydicom itself is not imported.

Tag constants are computed @inlinable properties rather than `static let`s: 5,000 lazy
globals cost swiftc about twice the build time, and callers see no difference.

Output: two packed tab-separated string literals (parsed once, lazily, at first use — a big
array literal of tuples would be slow for swiftc), a fixed-width tag→VR index for the implicit
VR parse loop (ten characters an entry, read in microseconds where splitting the full table
into fields takes milliseconds of every scan's start-up), and one `Tag` constant per public
keyword.

Usage: python3 tools/gen-dictionary.py [PYDICOM_DIR]
"""
import os
import re
import sys

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import",
    "init", "inout", "internal", "let", "open", "operator", "private", "protocol", "public",
    "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "continue",
    "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat",
    "return", "switch", "where", "while", "as", "catch", "false", "is", "nil", "super", "self",
    "throw", "throws", "true", "try", "type", "protocol", "any", "some",
}
# Instance members of Tag that a static constant must not shadow confusingly.
RESERVED = {"group", "element", "raw", "description", "isPrivate", "isPrivateCreator", "hashValue"}


def find_pydicom():
    if len(sys.argv) > 1:
        return sys.argv[1]
    import importlib.util
    spec = importlib.util.find_spec("pydicom")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("pydicom not found: pip install pydicom, or pass its directory")
    return list(spec.submodule_search_locations)[0]


def load(path, name):
    ns = {}
    with open(path, encoding="utf-8") as f:
        exec(compile(f.read(), path, "exec"), ns)
    return ns[name]


def version(pdir):
    text = open(os.path.join(pdir, "_version.py"), encoding="utf-8").read()
    std = re.search(r'__dicom_version__: str = "([^"]+)"', text)
    try:
        from importlib.metadata import version as v
        pv = v("pydicom")
    except Exception:
        pv = "unknown"
    return pv, std.group(1) if std else "unknown"


def lower_camel(keyword):
    if keyword.isupper() or keyword.upper() == keyword:
        out = keyword.lower()
    else:
        n = 0
        while n < len(keyword) and keyword[n].isupper():
            n += 1
        if n <= 1:
            out = keyword[:1].lower() + keyword[1:]
        elif n < len(keyword) and keyword[n].islower():
            out = keyword[: n - 1].lower() + keyword[n - 1:]
        else:
            out = keyword[:n].lower() + keyword[n:]
    if out in SWIFT_KEYWORDS or out in RESERVED:
        out = f"`{out}`" if out in SWIFT_KEYWORDS else out + "Tag"
    return out


def clean(s):
    assert "\t" not in s and "\n" not in s and '"""#' not in s, s
    return s


def main():
    pdir = find_pydicom()
    public = load(os.path.join(pdir, "_dicom_dict.py"), "DicomDictionary")
    repeaters = load(os.path.join(pdir, "_dicom_dict.py"), "RepeatersDictionary")
    private = load(os.path.join(pdir, "_private_dict.py"), "private_dictionaries")
    pv, std = version(pdir)

    lines = []
    for tag in sorted(public):
        vr, vm, name, retired, kw = public[tag]
        lines.append("\t".join([f"{tag:08X}", vr, vm, clean(kw), clean(name), "R" if retired else ""]))
    for pattern in sorted(repeaters):
        vr, vm, name, retired, kw = repeaters[pattern]
        lines.append("\t".join([pattern.upper().replace("X", "x"), vr, vm, clean(kw), clean(name), "R" if retired else ""]))

    # The tag→VR index: exact tags only, sorted, "GGGGEEEE" + the first listed VR's two letters.
    index = "".join(f"{tag:08X}{(public[tag][0] + '??')[:2]}" for tag in sorted(public))

    plines = []
    for creator in sorted(private):
        for pattern in sorted(private[creator]):
            vr, vm, name, retired = private[creator][pattern]
            plines.append("\t".join([clean(creator), pattern.upper().replace("X", "x"), vr, vm, clean(name), "R" if retired else ""]))

    consts = []
    seen = set()
    for tag in sorted(public):
        kw = public[tag][4]
        if not kw or kw in seen:
            continue
        seen.add(kw)
        g, e = tag >> 16, tag & 0xFFFF
        consts.append(f"    @inlinable public static var {lower_camel(kw)}: Tag {{ Tag(0x{g:04X}, 0x{e:04X}) }}")

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "DICOM", "Dictionary",
                       "DataDictionary+Generated.swift")
    with open(out, "w", encoding="utf-8") as f:
        f.write("// GENERATED by tools/gen-dictionary.py — do not edit.\n")
        f.write(f"// Source: pydicom {pv} (_dicom_dict.py: DICOM standard {std}; _private_dict.py: GDCM private dictionary).\n")
        f.write(f"// {len(lines)} public entries ({len(repeaters)} repeating-group patterns), {len(plines)} private entries.\n\n")
        f.write("extension DataDictionary {\n")
        f.write(f'    static let sourceDescription = "pydicom {pv}, DICOM {std}"\n\n')
        f.write("    /// tag-or-pattern, VR, VM, keyword, name, retired — one entry per line.\n")
        f.write('    static let packedPublic = #"""\n')
        f.write("\n".join(lines))
        f.write('\n"""#\n\n')
        f.write("    /// GGGGEEEE and the first listed VR, ten characters an entry, sorted by tag.\n")
        f.write(f'    static let packedVRIndex = "{index}"\n\n')
        f.write("    /// creator, tag pattern (xx = block), VR, VM, name, retired.\n")
        f.write('    static let packedPrivate = #"""\n')
        f.write("\n".join(plines))
        f.write('\n"""#\n}\n\n')
        f.write("extension Tag {\n")
        f.write("\n".join(consts))
        f.write("\n}\n")
    print(f"wrote {out}: {len(lines)} public, {len(plines)} private, {len(consts)} tag constants")


if __name__ == "__main__":
    main()
