"""Correction notices and editor's notes: the lines where a newsroom says it changed a story.

"Correction: an earlier version of this story misstated...", "This article has been amended
to...", "Editor's note: ...". A version that carries one is recorded as such (the write path),
and an edit that adds or changes one is tagged `correction` (tracker.text.analysis), because a
declared correction is what readers and fact-checkers look for first.

A notice is recognised by its opening, not by a word anywhere: "the ministry issued a
correction" is a sentence of the story, "Correction: ..." is a notice.
"""

import re

_NOTICE = re.compile(
    r"^\W*(?:"
    r"(?:corrections? and clarifications?|corrections?|clarifications?|"
    r"editor['\u2019]?s['\u2019]? notes?|editorial note|note from the editor|"
    r"korrektur|korrekturhinweis|anmerkung der redaktion|rectificatif|correctif|"
    r"note de la rédaction|fe de errores|rettifica)\s*[:.\-\u2013\u2014]"
    r"|(?:this|the) (?:article|story|report|piece|post|headline|copy|version)"
    r"(?: [\w\s,]{0,40})? (?:has been|was|is being|had been) "
    r"(?:amended|corrected|(?:updated|changed|edited|revised) to correct)"
    r"|(?:an?|the) (?:earlier|previous|prior|original) (?:version|headline|draft) of this"
    r"|we (?:have )?(?:corrected|amended) (?:this|the|an?) "
    r")",
    re.IGNORECASE,
)


def correction_notes(text: str) -> tuple[str, ...]:
    """The lines of `text` (one paragraph per line) that are correction or editor's notes."""
    return tuple(line.strip() for line in text.split("\n") if _NOTICE.match(line.strip()))


def as_stored(text: str) -> str | None:
    """The notes of a version as `versions.correction` keeps them: one per line, or None."""
    return "\n".join(correction_notes(text)) or None
