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

Every value of the merged document can be traced to where in the file it came from, so a problem
found in the merged request is reported at the line the user wrote (see
:meth:`Generation.source_pointer`). The trace is worked out when a problem asks for it, from the
entry and the defaults, rather than stored for every value: a pointer per value of every merged
document would repeat each long key once per value beneath it, and once per generation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Top-level keys that make a file a file of many generations.
GENERATIONS_FILE_KEYS = ("version", "defaults", "generations")


@dataclass(frozen=True)
class Layer:
    """One part of the file a merged document is made of: the entry itself, or the defaults.

    ``document`` is that part with the shortcut expanded, ``at`` its pointer in the file, and
    ``shortcut`` says whether it gave the principal as ``principalArn: X`` (so that the
    document's ``policyGenerationDetails`` was written at ``{at}/principalArn``).
    """

    document: dict[str, Any]
    at: str
    shortcut: bool = False


@dataclass(frozen=True)
class Generation:
    """One generation of a file: its merged request document and the parts it was merged from.

    ``pointer`` is the JSON pointer of the entry in the file (``""`` for a file of one generation,
    ``/generations/3`` otherwise); ``document`` is the complete request with API names (plus
    ``name`` and ``triggers``); ``layers`` are the entry and then the defaults it was merged from
    (the entry wins); ``conflicts`` are problems of the entry found while merging.
    """

    pointer: str
    document: dict[str, Any]
    layers: tuple[Layer, ...] = field(repr=False)
    conflicts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        """The generation's name, when it has one that is a string."""
        name = self.document.get("name")
        return name if isinstance(name, str) else None

    def source_pointer(self, pointer: str) -> str:
        """The pointer in the file of the value at ``pointer`` in :attr:`document`.

        A pointer to a value that is not there (a missing field) maps to where its closest
        existing parent came from. The value came from the first layer that holds it: merging
        keeps every value of the entry, and takes from the defaults only what the entry lacks.
        """
        path = _existing(self.document, [unescape(p) for p in pointer.split("/")[1:]])
        for layer in self.layers:
            if layer.shortcut and path[:1] == ["policyGenerationDetails"]:
                return f"{layer.at}/principalArn"
            if len(_existing(layer.document, path)) == len(path):
                return layer.at + "".join("/" + escape(part) for part in path)
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
        return [Generation("", doc, (Layer(doc, ""),))]
    entries = doc.get("generations")
    defaults = doc.get("defaults")
    base, base_shortcut, conflicts = _expand_shortcut(defaults if isinstance(defaults, dict) else {}, "/defaults")
    found = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        at = f"/generations/{index}"
        over, over_shortcut, entry_conflicts = _expand_shortcut(entry, at)
        trimmed = _without_window_start(base, over)
        layers = (Layer(over, at, over_shortcut), Layer(trimmed, "/defaults", base_shortcut))
        found.append(Generation(at, deep_merge(trimmed, over), layers, conflicts + entry_conflicts))
    return found


def merged_size(doc: Any, limit: int) -> int:
    """About how many values the generations of ``doc`` hold once merged (at most; counted up to ``limit`` + 1).

    Merging copies the defaults into every entry, so 5,000 entries under defaults of 5,000 values
    make 25 million values from a file of 10,000: the loader asks this before merging.
    """
    if not is_generations_file(doc):
        return _count(doc, limit)
    entries = doc.get("generations")
    defaults = doc.get("defaults")
    if not isinstance(entries, list):
        return 0
    shared = _count(defaults, limit) if isinstance(defaults, dict) else 0
    return min(limit + 1, _count(entries, limit) + shared * len(entries))


def _count(value: Any, limit: int) -> int:
    """How many values ``value`` holds (itself included), counting no further than ``limit`` + 1."""
    stack, seen = [value], 0
    while stack and seen <= limit:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return seen


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


def _expand_shortcut(partial: dict[str, Any], at: str) -> tuple[dict[str, Any], bool, list[tuple[str, str]]]:
    """Rewrite ``principalArn: X`` as ``policyGenerationDetails: {principalArn: X}``; say whether it did."""
    doc = {key: value for key, value in partial.items() if key != "principalArn"}
    conflicts = []
    shortcut = False
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
            shortcut = True
    return doc, shortcut, conflicts


def _existing(doc: Any, path: list[str]) -> list[str]:
    """The longest beginning of ``path`` (keys and list indexes, as text) that leads to a value in ``doc``."""
    node = doc
    for depth, key in enumerate(path):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return path[:depth]
    return path


def escape(part: str) -> str:
    """One reference token of a JSON pointer (RFC 6901)."""
    return part.replace("~", "~0").replace("/", "~1")


def unescape(part: str) -> str:
    """The key a JSON pointer reference token stands for (RFC 6901)."""
    return part.replace("~1", "/").replace("~0", "~")
