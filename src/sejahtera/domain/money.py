"""Rupiah as people type them: "1.500.000", "Rp 1.500.000", "Rp1500000", "1500000,00"."""

from __future__ import annotations

import re

# Rp prefix (optional), then plain digits or dot-grouped thousands, then optional ",00"
_RUPIAH = re.compile(r"(?:rp\.?)?\s*(\d{1,3}(?:\.\d{3})+|\d+)(?:,0{1,2})?", re.IGNORECASE)


def parse_rupiah(text: str) -> int:
    """A whole-rupiah amount; ValueError for anything else (cents, a comma as thousands
    separator, badly grouped dots, a sign)."""
    match = _RUPIAH.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a rupiah amount: {text!r}")
    return int(match[1].replace(".", ""))
