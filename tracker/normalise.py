"""Canonical text: what tracker stores and hashes, so that only real edits become versions.

Markup-only changes (a non-breaking space, a soft hyphen, different line wrapping, a zero-width
joiner, a stray control character) must never look like an edit, and text from the web must never
carry terminal control sequences into a terminal. The canonical form is NFC, one paragraph per line,
single spaces, no blank lines.
"""

import hashlib
import re
import unicodedata

# Invisible characters that sites sprinkle in (soft hyphen, zero-width space/joiners, BOM, word
# joiner, bidi marks that do not change the words) and that differ between renders.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f"), None)
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*")


def normalise_text(text: str) -> str:
    """The canonical form of an article body: NFC, one paragraph per line, single spaces."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = strip_control(text, keep_newlines=True)
    text = _HORIZONTAL_SPACE.sub(" ", text)
    lines = (line.strip() for line in _PARAGRAPH_BREAK.split(text))
    return "\n".join(line for line in lines if line)


def normalise_line(text: str | None) -> str | None:
    """The canonical form of a one-line field (title, byline); None when nothing is left."""
    if text is None:
        return None
    flat = normalise_text(text).replace("\n", " ")
    return flat or None


def strip_control(text: str, *, keep_newlines: bool = False) -> str:
    """Remove terminal control sequences and control characters from untrusted text.

    ANSI escape sequences are dropped whole (not just their ESC byte), so a page cannot move the
    cursor, retitle the terminal or hide text. Tabs become spaces.
    """
    text = _ANSI_SEQUENCE.sub("", text).replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n")
    if keep_newlines:
        return _CONTROL_EXCEPT_NEWLINE.sub("", text)
    return _CONTROL.sub("", text.replace("\n", " "))


# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other two-byte ESC sequences, and C1 CSI.
_ANSI_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def content_hash(title: str | None, text: str) -> str:
    """Identity of a version's content: the normalised title and text (not byline or dates)."""
    payload = f"{title or ''}\x1e{text}".encode()
    return hashlib.sha256(payload).hexdigest()
