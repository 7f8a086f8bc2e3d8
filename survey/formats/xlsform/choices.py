"""The choices sheet: choice lists by name, each choice's problems kept until a question uses it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survey.formats.xlsform.table import Notes, Table
from survey.problems import N_


@dataclass
class Choice:
    row: int
    code: str
    label: dict[str, str]


@dataclass
class ChoiceList:
    choices: list[Choice] = field(default_factory=list)
    #: changes made to the list, said once, when a question first uses it
    changes: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    reported: bool = False


class ChoiceLists:
    def __init__(self, table: Table | None, default: str, notes: Notes) -> None:
        self.notes = notes
        self.default = default
        self.lists: dict[str, ChoiceList] = {}
        #: None: no choices sheet; False: one without list_name and name columns
        self.readable: bool | None = None if table is None else self._read(table)

    def _read(self, table: Table) -> bool:
        missing = [column for column in ("list_name", "name") if column not in table.plain]
        if missing:
            self.notes.change(
                "choices",
                table.header_row,
                N_("has no %(column)s column, so its choices could not be read"),
                column=" / ".join(missing),
            )
            return False
        for row, values in table.rows:
            list_name = table.cell(values, "list_name")
            code = table.cell(values, "name")
            label = table.localised(values, "label")
            if not list_name:
                if code or label:
                    self.notes.change("choices", row, N_("has a choice but no list_name; left out"))
                continue
            choice_list = self.lists.setdefault(list_name, ChoiceList())
            if not code:
                choice_list.changes.append(
                    (row, N_("a choice in list '%(list)s' has no name; left out"), {})
                )
                continue
            earlier = next((c for c in choice_list.choices if c.code == code), None)
            if earlier is not None:
                choice_list.changes.append(
                    (
                        row,
                        N_(
                            "choice name '%(code)s' is already in list '%(list)s' on row "
                            "%(row)s; this one was left out"
                        ),
                        {"code": code, "row": earlier.row},
                    )
                )
                continue
            if not label:
                label = {self.default: code}
                choice_list.changes.append(
                    (
                        row,
                        N_("choice '%(code)s' in list '%(list)s' has no label; its name is shown"),
                        {"code": code},
                    )
                )
            choice_list.choices.append(Choice(row, code, label))
        return True

    def options(self, list_name: str) -> list[dict[str, Any]] | None:
        """A list's options (its changes said once), or None when there is no such list."""
        if not self.readable:
            return None
        choice_list = self.lists.get(list_name)
        if choice_list is None:
            return None
        if not choice_list.reported:
            for row, message, params in choice_list.changes:
                self.notes.change("choices", row, message, list=list_name, **params)
            choice_list.reported = True
        return [{"code": c.code, "label": dict(c.label)} for c in choice_list.choices]
