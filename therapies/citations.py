"""How to cite a page of this site (APA-like text, BibTeX, RIS, citation meta tags) and how a source's full
reference reads: text only, from plain values (no queries, no models)."""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

SITE_NAME = "Therapy Explorer"


@dataclass(frozen=True)
class PageCitation:
    """A citable page: its title, permanent address, the date its content was last reviewed and a short id."""

    key: str
    title: str
    url: str
    date: datetime.date | None
    description: str = ""

    @property
    def year(self) -> str:
        return str(self.date.year) if self.date else "n.d."

    def apa(self) -> str:
        """'Therapy Explorer. (2026, November 26). Title. https://...' (APA 7 style for a web page)."""
        when = f"{self.date.year}, {self.date:%B} {self.date.day}" if self.date else "n.d."
        return f"{SITE_NAME}. ({when}). {self.title}. {self.url}"

    def bibtex(self) -> str:
        lines = [
            f"@misc{{{bibtex_key(self.key)},",
            f"  author = {{{{{SITE_NAME}}}}},",
            f"  title = {{{bibtex_escape(self.title)}}},",
            f"  year = {{{self.year}}},",
        ]
        if self.date:
            lines.append(f"  month = {{{self.date.month}}},")
            lines.append(f"  note = {{Last reviewed {self.date.isoformat()}}},")
        lines += [f"  url = {{{self.url}}},", f"  howpublished = {{\\url{{{self.url}}}}},", "}"]
        return "\n".join(lines) + "\n"

    def ris(self) -> str:
        """RIS (for reference managers), CRLF line ends as the format expects."""
        fields = [("TY", "ELEC"), ("AU", SITE_NAME), ("TI", self.title), ("PB", SITE_NAME), ("UR", self.url)]
        if self.date:
            fields += [("PY", str(self.date.year)), ("DA", self.date.strftime("%Y/%m/%d"))]
        fields.append(("ER", ""))
        return "".join(f"{tag}  - {ris_clean(value)}\r\n" for tag, value in fields)


def bibtex_key(key: str) -> str:
    return "therapyexplorer-" + re.sub(r"[^A-Za-z0-9-]", "-", key)


def bibtex_escape(text: str) -> str:
    """Braces balanced and TeX's special characters escaped, so a title cannot break the entry."""
    return re.sub(r"([\\{}%&$#_^~])", r"\\\1", text)


def ris_clean(text: str) -> str:
    """One line: a line break inside a value would start a new RIS tag."""
    return " ".join(text.split())


def reference_text(*, authors: str, year: int | None, title: str, publisher: str, code: str = "", doi: str = "",
                   url: str = "") -> str:
    """A source's full reference in one line: authors (or the issuing body), year, title, publisher, code, DOI
    and address."""
    parts = [f"{authors or publisher} ({year or 'n.d.'}).", f"{title.rstrip('.')}."]
    if authors and publisher:
        parts.append(f"{publisher.rstrip('.')}.")
    if code:
        parts.append(f"{code}.")
    if doi:
        parts.append(f"https://doi.org/{doi}")
    elif url:
        parts.append(url)
    return " ".join(parts)
