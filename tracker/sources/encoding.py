"""Bytes of a page to the text a browser shows, and markup an extractor can parse.

Decoding follows the WHATWG Encoding Standard, the rules browsers use, because that is how the
newsroom published the text: a byte-order mark first; then the charset of the HTTP header; then a
`<meta charset>` (or `http-equiv`) in the first 1024 bytes; then detection. Labels are read as
browsers read them: `iso-8859-1`, `latin1` and `us-ascii` mean windows-1252 (whose curly quotes,
dashes and ellipses Python's latin-1 turns into invisible C1 controls), and only the encodings of
the standard are accepted (Python's codec registry also knows `base64`, `rot13` and `undefined`,
which no page may choose). Detection (charset-normalizer) is asked only when the bytes are not
UTF-8; when it finds several encodings equally plausible, as it does for short Western text,
windows-1252 wins, as it does in a browser with no hint.
"""

import codecs
import re

import charset_normalizer

FALLBACK = "cp1252"
PRESCAN_BYTES = 1024
DETECT_BYTES = 200_000
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_WHATWG = {
    # Python codec name -> the codec that decodes what WHATWG maps that label to.
    "ascii": "cp1252", "iso8859-1": "cp1252", "cp1252": "cp1252",
    "iso8859-9": "cp1254", "tis-620": "cp874", "iso8859-11": "cp874", "cp874": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "big5": "big5hkscs",
    "big5hkscs": "big5hkscs", "euc_kr": "cp949", "cp949": "cp949", "shift_jis": "cp932",
    "cp932": "cp932", "euc_jp": "euc_jp", "iso2022_jp": "iso2022_jp", "utf-8": "utf-8",
    "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be", "utf-16": "utf-16-le",
    "koi8-r": "koi8-r", "koi8-u": "koi8-u", "mac-roman": "mac-roman",
    "mac-cyrillic": "mac-cyrillic", "cp866": "cp866",
    **{f"cp{n}": f"cp{n}" for n in range(1250, 1259)},
    **{f"iso8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
}
_LABELS = {"windows-874": "cp874", "x-mac-cyrillic": "mac-cyrillic", "iso-8859-8-i": "iso8859-8",
           "x-sjis": "cp932", "x-gbk": "gbk", "x-user-defined": "cp1252"}
"""WHATWG labels Python's codec registry does not know by that name."""
_DETECTABLE = {codecs.lookup(name).name for name in _WHATWG.values()}
_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,10}))(?![0-9a-fA-F]);?")


def decode_page(body: bytes, declared: str | None = None) -> str:
    """The text of a page: BOM, else the HTTP charset, else <meta charset>, else detection."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace")
    encoding = whatwg_codec(declared) or _prescanned(body)
    if encoding is None:
        return _detected(body)
    return body.decode(encoding, errors="replace")


def whatwg_codec(label: str | None) -> str | None:
    """The Python codec for an encoding label as a browser reads it; None for an unknown label."""
    if not label:
        return None
    try:
        name = codecs.lookup(_LABELS.get(label.strip().lower(), label.strip())).name
    except LookupError:
        return None
    return _WHATWG.get(name)


def _prescanned(body: bytes) -> str | None:
    """The <meta> charset in the first 1024 bytes; a page cannot declare itself UTF-16 there."""
    match = _META_CHARSET.search(body[:PRESCAN_BYTES])
    encoding = whatwg_codec(match.group(1).decode("ascii")) if match else None
    return "utf-8" if encoding in ("utf-16-le", "utf-16-be") else encoding


def _detected(body: bytes) -> str:
    """Undeclared bytes: UTF-8 when they are, else the most plausible encoding (see above)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    found = charset_normalizer.from_bytes(body[:DETECT_BYTES], preemptive_behaviour=False)
    matches = [match for match in found
               if codecs.lookup(match.encoding).name in _DETECTABLE]
    if not matches:
        return body.decode(FALLBACK, errors="replace")
    least = min(match.chaos for match in matches)
    plausible = [match.encoding for match in matches if match.chaos <= least + 0.01]
    encoding = FALLBACK if FALLBACK in plausible else plausible[0]
    return body.decode(encoding, errors="replace")


def without_control_references(html: str) -> str:
    """`html` with numeric references to control characters and noncharacters removed.

    One `&#27;` in an article makes lxml (under trafilatura) give up on the whole page, so every
    check would be "suspect" until the page changed; a browser shows nothing for it either.
    """
    return _NUMERIC_REFERENCE.sub(_unless_forbidden, html)


def _unless_forbidden(reference: re.Match[str]) -> str:
    """Drop references to characters XML forbids (C0 controls but tab, line feed and carriage
    return; DEL; noncharacters): lxml gives up on the whole document at one of them."""
    hexadecimal, decimal = reference.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    control = code < 0x20 and code not in (0x9, 0xA, 0xD)
    noncharacter = 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE
    return "" if control or code == 0x7F or noncharacter else reference.group(0)
