"""Reading pages as a browser would: the form's hidden inputs, the errors shown, the text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from werkzeug.datastructures import MultiDict


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden: list[tuple[str, str]] = []
        self.inputs: list[dict[str, str]] = []
        self.links: list[str] = []
        self.errors: list[str] = []
        self.alerts: list[str] = []
        self.text: list[str] = []
        self._capture: list[str] | None = None
        self._in_style = False
        self.html_attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html_attrs = values
        if tag == "style":
            self._in_style = True
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        if tag == "input":
            self.inputs.append(values)
            if values.get("type") == "hidden":
                self.hidden.append((values.get("name", ""), values.get("value", "")))
        if tag == "p" and "error" in values.get("class", "").split():
            self._capture = self.errors
            self.errors.append("")
        if tag == "p" and values.get("role") == "alert":
            self._capture = self.alerts
            self.alerts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._capture = None
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            return
        self.text.append(data)
        if self._capture is not None:
            self._capture[-1] += data


def read(html: str | bytes) -> _FormReader:
    reader = _FormReader()
    reader.feed(html.decode("utf-8") if isinstance(html, bytes) else html)
    return reader


def text_of(html: str | bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(read(html).text)).strip()


def submit(
    client: Any, url: str, page_html: bytes, answers: dict[str, Any], action: str = "next"
) -> Any:
    """Post the page's form back with its hidden inputs plus ``answers``, like pressing a button."""
    data: list[tuple[str, str]] = [
        (name, value) for name, value in read(page_html).hidden if name not in answers
    ]
    for name, value in answers.items():
        for item in value if isinstance(value, list) else [value]:
            data.append((name, str(item)))
    data.append(("action", action))
    return client.post(url, data=MultiDict(data))


class _TableReader(HTMLParser):
    """Every table row's cell texts, in document order (nested markup flattened)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str | bytes) -> list[list[str]]:
    reader = _TableReader()
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    return reader.rows
