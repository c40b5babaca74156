"""The two forms of a spec file, reduced to one: a list of generations, each a complete request.

A file holds either one generation (the request itself, plus ``name``) or many::

    version: 1
    defaults: {cloudTrailDetails: {...}}
    generations:
      - name: app
        principalArn: arn:aws:iam::123456789012:role/app

Each entry of ``generations`` is merged over ``defaults`` (:func:`deep_merge`): mappings merge key
by key, recursively; lists and scalars of the entry replace those of the defaults. The shortcut
``principalArn: X`` (in an entry or in the defaults) means ``policyGenerationDetails: {principalArn: X}``.

Every value of the merged document remembers where in the file it came from, so a problem found in
the merged request is reported at the line the user wrote (see :meth:`Generation.source_pointer`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

#: Top-level keys that make a file a file of many generations.
GENERATIONS_FILE_KEYS = ("version", "defaults", "generations")


@dataclass(frozen=True)
class Generation:
    """One generation of a file: its merged request document and where each part of it came from.

    ``pointer`` is the JSON pointer of the entry in the file (``""`` for a file of one generation,
    ``/generations/3`` otherwise); ``document`` is the complete request with API names (plus
    ``name`` and ``triggers``); ``conflicts`` are problems of the entry found while merging.
    """

    pointer: str
    document: dict[str, Any]
    origins: dict[str, str] = field(repr=False)
    conflicts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        """The generation's name, when it has one that is a string."""
        name = self.document.get("name")
        return name if isinstance(name, str) else None

    def source_pointer(self, pointer: str) -> str:
        """The pointer in the file of the value at ``pointer`` in :attr:`document`.

        A pointer to a value that is not there (a missing field) maps to where its closest
        existing parent came from.
        """
        parts = pointer.split("/")
        while parts:
            candidate = "/".join(parts)
            if candidate in self.origins:
                return self.origins[candidate]
            parts.pop()
        return self.pointer

    def from_entry(self, source_pointer: str) -> bool:
        """Whether a file pointer lies inside this generation's own entry (and not in ``defaults``)."""
        return source_pointer == self.pointer or source_pointer.startswith(self.pointer + "/")


def is_generations_file(doc: Any) -> bool:
    """Whether a document is a file of many generations (it has ``version``, ``defaults`` or ``generations``)."""
    return isinstance(doc, dict) and any(key in doc for key in GENERATIONS_FILE_KEYS)


def generations_of(doc: dict[str, Any]) -> list[Generation]:
    """The generations of a spec document, in file order, each merged over the defaults.

    Entries that are not mappings are skipped (the schema reports them), and so are defaults that
    are not a mapping.
    """
    if not is_generations_file(doc):
        return [Generation("", doc, _origins(doc, "", ""))]
    entries = doc.get("generations")
    defaults = doc.get("defaults")
    base, base_origins, conflicts = _expand_shortcut(defaults if isinstance(defaults, dict) else {}, "/defaults")
    found = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        at = f"/generations/{index}"
        over, over_origins, entry_conflicts = _expand_shortcut(entry, at)
        merged = deep_merge(_without_window_start(base, over), over)
        origins = {**{k: v for k, v in base_origins.items() if _exists(merged, k)}, **over_origins, "": at}
        found.append(Generation(at, merged, origins, conflicts + entry_conflicts))
    return found


def deep_merge(base: Any, override: Any) -> Any:
    """``override`` merged over ``base``: mappings merge recursively; lists and scalars replace.

    Neither argument is changed; the result shares no mutable parts with them.
    """
    if isinstance(base, dict) and isinstance(override, dict):
        merged = {key: _copy(value) for key, value in base.items()}
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else _copy(value)
        return merged
    return _copy(override)


def _without_window_start(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` without its window start when ``over`` gives one: startTime and lookbackDays are one choice.

    Without this an entry could never use ``startTime`` when the defaults say ``lookbackDays`` (or
    the other way round): merging would keep both, which is an error.
    """
    details, own = base.get("cloudTrailDetails"), over.get("cloudTrailDetails")
    if not (isinstance(details, dict) and isinstance(own, dict)) or not {"startTime", "lookbackDays"} & set(own):
        return base
    trimmed = {key: value for key, value in details.items() if key not in ("startTime", "lookbackDays")}
    return {**base, "cloudTrailDetails": trimmed}


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _expand_shortcut(partial: dict[str, Any], at: str) -> tuple[dict[str, Any], dict[str, str], list[tuple[str, str]]]:
    """Rewrite ``principalArn: X`` as ``policyGenerationDetails: {principalArn: X}``; index the origins."""
    doc = {key: value for key, value in partial.items() if key != "principalArn"}
    origins = _origins(doc, "", at)
    conflicts = []
    if "principalArn" in partial:
        if "policyGenerationDetails" in partial:
            conflicts.append(
                (
                    f"{at}/principalArn",
                    "give the principal once: either `principalArn` or `policyGenerationDetails.principalArn`, "
                    "not both; remove one of them.",
                )
            )
        else:
            doc["policyGenerationDetails"] = {"principalArn": partial["principalArn"]}
            origins["/policyGenerationDetails"] = origins["/policyGenerationDetails/principalArn"] = (
                f"{at}/principalArn"
            )
    origins.pop("", None)
    return doc, origins, conflicts


def _origins(node: Any, pointer: str, source: str) -> dict[str, str]:
    """Every pointer under ``node``, mapped to the same place under ``source``."""
    return dict(_walk(node, pointer, source))


def _walk(node: Any, pointer: str, source: str) -> Iterator[tuple[str, str]]:
    yield pointer, source
    if isinstance(node, dict):
        for key, value in node.items():
            part = "/" + escape(str(key))
            yield from _walk(value, pointer + part, source + part)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}", f"{source}/{index}")


def _exists(doc: Any, pointer: str) -> bool:
    node = doc
    for part in pointer.split("/")[1:]:
        key = unescape(part)
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False
    return True


def escape(part: str) -> str:
    """One reference token of a JSON pointer (RFC 6901)."""
    return part.replace("~", "~0").replace("/", "~1")


def unescape(part: str) -> str:
    """The key a JSON pointer reference token stands for (RFC 6901)."""
    return part.replace("~1", "/").replace("~0", "~")
