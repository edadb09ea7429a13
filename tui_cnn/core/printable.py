"""Make a user-supplied string safe to show on a terminal line or in a notification.

A file name can hold anything but "/" and NUL: an escape sequence that retitles the terminal or
turns the rest of the screen red, a newline that breaks a one-line message, a right-to-left
override that reverses what follows, or (decoded from a non-UTF-8 name) a lone surrogate that
cannot be encoded at all. ``printable`` writes each such character as a visible Python-style
escape (``\\x1b``, ``\\n``, ``\\u202e``) and leaves everything else, accents and emoji included, as is.
"""

from __future__ import annotations

import unicodedata

# Categories never meant to be seen: controls (C0, DEL, C1), line and paragraph separators, surrogates.
_HIDDEN_CATEGORIES = {"Cc", "Zl", "Zp", "Cs"}
# Format characters that reorder or hide text (Trojan-Source style); other Cf ones, such as the
# zero-width joiner inside an emoji sequence, are harmless and kept.
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: object) -> str:
    """``str(text)`` with every control, separator, surrogate and bidi character escaped visibly."""
    text = str(text)
    if text.isprintable():  # the common case: nothing to do (isprintable is False for all of the above)
        return text
    return "".join(_escape(ch) for ch in text)


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if unicodedata.category(ch) in _HIDDEN_CATEGORIES or code in _BIDI:
        if code <= 0xFF:
            return f"\\x{code:02x}"
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch  # e.g. a space or a harmless format character: str.isprintable is stricter than needed
