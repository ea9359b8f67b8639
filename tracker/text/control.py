"""Untrusted text made safe for a terminal: control sequences and characters removed.

Apart from tracker.text.normalise (which strips them before hashing) so that a reader that
only shows web text, such as the TUI's first screen, does not load the normaliser's and the
differ's patterns to do it.
"""

import re


def safe(text: str | None) -> str:
    """Untrusted text made safe to print: no control characters or escape sequences."""
    return strip_control(text or "", keep_newlines=True)


def strip_control(text: str, *, keep_newlines: bool = False) -> str:
    """Remove terminal control sequences and control characters from untrusted text.

    ANSI escape sequences are dropped whole (not just their ESC byte), so a page cannot move the
    cursor, retitle the terminal or hide text; bidirectional overrides go too, so it cannot
    reorder what is shown. Tabs become spaces.
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
# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) go with the
# control characters: they reorder what the terminal shows, so a URL or a quote could read
# differently from what it is ("Trojan Source").
_BIDI = r"\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f" + _BIDI + "]")
_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f" + _BIDI + "]")
