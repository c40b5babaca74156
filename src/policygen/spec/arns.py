"""ARNs, partitions and Regions: what a spec's ARNs and Region names must look like, and why not.

The JSON Schema holds the patterns (so editors can flag a bad value as it is typed); this module
explains a value that fails them in one specific sentence, and knows which Region names exist and
which partition each belongs to. That knowledge comes from botocore's own endpoint data (the
``partitions`` and ``endpoints`` files shipped with the SDK), so no network is needed and a new
Region is known as soon as botocore is upgraded.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from policygen.spec.limits import quote
from policygen.spec.once import once

#: The kinds of ARN a request holds, named after the fields that hold them.
ArnKind = Literal["principalArn", "accessRole", "cloudTrailArn"]

_ACCOUNT = re.compile(r"^[0-9]{12}$")
_TRAIL_NAME = re.compile(r"^[A-Za-z0-9._-]{3,128}$")
#: IAM role and user names: ASCII letters, digits and +=,.@_- (IAM's CreateRole/CreateUser pattern).
_IAM_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")
#: An IAM path's characters: printable ASCII (u0021-u007E), between slashes.
_IAM_PATH_PART = re.compile(r"^[\x21-\x7e]+$")
#: What a Region name looks like (``us-east-1``, ``us-gov-west-1``, ``eu-isoe-west-1``, ``eusc-de-east-1``).
REGION_PATTERN = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$")

_EXAMPLES: dict[ArnKind, str] = {
    "principalArn": "arn:aws:iam::123456789012:role/app (or user/<name>)",
    "accessRole": "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole",
    "cloudTrailArn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/management",
}
_WHAT: dict[ArnKind, str] = {
    "principalArn": "an IAM role or user ARN",
    "accessRole": "an IAM role ARN",
    "cloudTrailArn": "a CloudTrail trail ARN",
}


@dataclass(frozen=True)
class Arn:
    """The six parts of an ARN: ``arn:partition:service:region:account:resource``."""

    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(value: object) -> Arn | None:
    """Split an ARN into its parts; None when ``value`` is not a string of six colon-separated parts."""
    if not isinstance(value, str):
        return None
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(*parts[1:])


@once
def partitions() -> dict[str, frozenset[str]]:
    """Every AWS partition botocore knows, with the Region names that belong to it.

    From botocore's partitions.json (7 KB; every Region of endpoints.json is in it too), read straight.

    Importing botocore's loader to read it costs about 0.25 s, paid by the provider on each of
    Terraform's launches that validates a configuration. Older botocore releases ship only
    endpoints.json (1.2 MB), which is read instead.
    """
    spec = importlib.util.find_spec("botocore")
    folder = Path(spec.origin).parent / "data" if spec and spec.origin else None
    found: dict[str, set[str]] = {}
    for name, id_key in (("partitions", "id"), ("endpoints", "partition")):
        try:
            data = json.loads((folder / f"{name}.json").read_text()) if folder else {}
        except OSError:
            continue
        for partition in data.get("partitions", []):
            regions = found.setdefault(partition[id_key], set())
            # "aws-global" and friends are endpoint aliases, not Regions a trail can log in.
            regions.update(r for r in partition.get("regions", {}) if REGION_PATTERN.match(r))
        if found:
            break
    return {name: frozenset(regions) for name, regions in found.items()}


def partition_of_region(region: str) -> str | None:
    """The partition a Region belongs to, or None when botocore knows no such Region."""
    for name, regions in partitions().items():
        if region in regions:
            return name
    return None


def region_problem(region: object) -> str | None:
    """Why ``region`` is not a Region name botocore knows, or None when it is one."""
    if not isinstance(region, str):
        return None  # a type problem, reported by the schema
    if not REGION_PATTERN.match(region):
        return f"{quote(region)} is not a Region name; write it like us-east-1 or eu-west-1."
    if partition_of_region(region) is not None:
        return None
    close = closest_region(region)
    hint = f"did you mean {close!r}?" if close else "check the spelling against the AWS Region list."
    return f"{quote(region)} is not a known AWS Region; {hint}"


@functools.lru_cache(maxsize=4096)  # a file of many generations asks again for each one
def closest_region(region: str) -> str | None:
    """The known Region a misspelt name most likely meant (a swap of two letters wins), or None."""
    every = sorted(r for regions in partitions().values() for r in regions)
    close = difflib.get_close_matches(region, every, n=5, cutoff=0.6)
    same_letters = [c for c in close if sorted(c) == sorted(region)]
    best = same_letters or close
    return best[0] if best else None


def arn_problem(value: object, kind: ArnKind) -> str | None:
    """Why ``value`` is not the kind of ARN its field needs, in one sentence; None when it is one."""
    if not isinstance(value, str):
        return None  # a type problem, reported by the schema
    reason = _reason(value, kind)
    if reason is None:
        return None
    return f"{quote(value)} is not {_WHAT[kind]}: {reason}. Write it like {_EXAMPLES[kind]}."


def _reason(value: str, kind: ArnKind) -> str | None:
    arn = parse_arn(value)
    if arn is None:
        if not value.startswith("arn:"):
            return "it does not start with `arn:`"
        return (
            f"it has {len(value.split(':'))} colon-separated parts, an ARN has 6 "
            "(arn:partition:service:region:account:resource)"
        )
    if arn.partition not in partitions():
        close = difflib.get_close_matches(arn.partition, sorted(partitions()), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        known = ", ".join(sorted(partitions()))
        return f"the partition {quote(arn.partition)} is not an AWS partition{hint}; known: {known}"
    service = "cloudtrail" if kind == "cloudTrailArn" else "iam"
    if arn.service != service:
        return f"the service is {quote(arn.service)}, it must be {service!r}"
    if kind == "cloudTrailArn":
        if not arn.region:
            return "it has no Region; a trail ARN names the trail's home Region"
        if region_problem(arn.region):
            meant = closest_region(arn.region)
            hint = f" (did you mean {meant!r}?)" if meant else ""
            return f"its Region {quote(arn.region)} is not a known AWS Region{hint}"
    elif arn.region:
        return f"IAM ARNs have no Region, but this one has {quote(arn.region)}"
    if not _ACCOUNT.match(arn.account):
        return f"the account id {quote(arn.account)} is not 12 digits"
    return _resource_reason(arn.resource, kind)


def _resource_reason(resource: str, kind: ArnKind) -> str | None:
    kind_of, _, rest = resource.partition("/")
    allowed = {"principalArn": ("role", "user"), "accessRole": ("role",), "cloudTrailArn": ("trail",)}[kind]
    if kind_of not in allowed:
        wanted = " or ".join(f"{a}/<name>" for a in allowed)
        return f"the resource is {quote(resource)}, it must be {wanted}"
    if kind == "cloudTrailArn" and not _TRAIL_NAME.match(rest):
        return f"the trail name {quote(rest)} must be 3-128 letters, digits, periods, underscores or hyphens"
    if not 1 <= len(rest) <= 576:
        return f"the {kind_of} name must be 1-576 characters, it has {len(rest)}"
    if kind == "cloudTrailArn":
        return None
    *path, name = rest.split("/")
    if not _IAM_NAME.match(name):
        return (
            f"the {kind_of} name {quote(name)} may hold only ASCII letters, digits and +=,.@_- (1-64 of them), "
            "as IAM allows"
        )
    if any(not _IAM_PATH_PART.match(part) for part in path):
        return f"the path of {quote(rest)} may hold only printable ASCII characters between its slashes, as IAM allows"
    return None
