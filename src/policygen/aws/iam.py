"""The IAM policy documents policy generation needs, as plain Python dicts (no cdktf).

One source of truth for every document policygen asks someone to grant:

- :func:`trust_policy`: who may assume the access role (Access Analyzer, for this account only);
- :func:`service_role_policy`: what the access role may do (read the trail, its logs and the
  service-last-accessed data, nothing else);
- :func:`organization_bucket_policy_statements` and :func:`organization_key_policy_statements`:
  what the account that owns an organisation trail must add to its bucket and key policies;
- :func:`deployer_policy`: what whoever runs ``cdktf deploy`` (or ``terraform apply``) needs to start,
  read, list and cancel policy generations and run the policy checks of the gate, or, across an
  organisation, to assume each account's generation role;
- :func:`generation_role_trust_policy`: who may assume that role in a member account.

The constructs in :mod:`policygen.constructs.iam` only wrap these. Any string argument may be a
Terraform reference (a cdktf token such as ``role.arn``, or ``${...}``): it is copied into the document
as it is and not checked, so the same builders serve synth time and plain Python.

Argument mistakes raise :class:`ValueError` with a sentence naming the argument and the fix: they
are programming errors of the caller, not problems of a spec or of AWS.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from policygen.errors import IamPolicyError
from policygen.spec.arns import parse_arn

#: The IAM policy language version every document uses.
POLICY_VERSION = "2012-10-17"
#: The service principal that assumes the access role.
ACCESS_ANALYZER_PRINCIPAL = "access-analyzer.amazonaws.com"
#: The actions policygen's Terraform provider calls. None of them supports resource-level
#: permissions (Service Authorization Reference: no resource type for any of the four), so
#: ``Resource`` must be ``"*"``; ``aws:RequestedRegion`` narrows them when a Region is given.
POLICY_GENERATION_ACTIONS = (
    "access-analyzer:CancelPolicyGeneration",
    "access-analyzer:GetGeneratedPolicy",
    "access-analyzer:ListPolicyGenerations",
    "access-analyzer:StartPolicyGeneration",
)
#: The policy checks the provider's ``accessanalyzer_policy_check`` data source (the gate) and
#: ``policygen check`` call. None supports resource-level permissions either.
POLICY_CHECK_ACTIONS = (
    "access-analyzer:CheckAccessNotGranted",
    "access-analyzer:CheckNoNewAccess",
    "access-analyzer:ValidatePolicy",
)
#: The folder CloudTrail writes log files under, below the trail's optional S3 key prefix.
LOGS_FOLDER = "AWSLogs"

Document = dict[str, Any]
Statement = dict[str, Any]

_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,576}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@/-]{1,576}$")


def is_reference(value: str) -> bool:
    """Whether ``value`` holds a Terraform reference (a cdktf token or ``${...}``), known only at apply."""
    return "${" in value


def trust_policy(*, account_id: str, partition: str = "aws") -> Document:
    """The access role's trust policy: Access Analyzer may assume it, for ``account_id`` only.

    ``aws:SourceAccount`` and ``aws:SourceArn`` guard against the confused-deputy problem: Access
    Analyzer acting for another account cannot use the role. AWS documents no ARN that Access
    Analyzer sends as ``aws:SourceArn`` for policy generation (policy generation has no resource
    type of its own), so the pattern is the widest ARN of the service in this account,
    ``arn:<partition>:access-analyzer:*:<account>:*``: any Region (the role is global and jobs may
    run in any Region), never another account.
    """
    _check_account_id(account_id, "account_id")
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "AccessAnalyzerAssumesForThisAccountOnly",
                "Effect": "Allow",
                "Principal": {"Service": ACCESS_ANALYZER_PRINCIPAL},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:access-analyzer:*:{account_id}:*"},
                },
            }
        ],
    }


def service_role_policy(
    *,
    trail_bucket_arn: str,
    account_id: str,
    partition: str = "aws",
    trail_arns: Sequence[str] | None = None,
    kms_key_arn: str | None = None,
    bucket_region: str | None = None,
    organization_id: str | None = None,
    log_prefix: str | None = None,
) -> Document:
    """The access role's permissions: exactly what Access Analyzer needs to generate a policy.

    - ``cloudtrail:GetTrail`` on ``trail_arns``; without them, on the account's trails.
    - ``iam:GenerateServiceLastAccessedDetails`` on the account's roles and users (the principals
      a generation can be for) and ``iam:GetServiceLastAccessedDetails``, which has no resource
      type (``"*"`` is the only possible value).
    - ``s3:ListBucket`` on the trail bucket, only for keys under this account's log folder
      (``s3:prefix``), and ``s3:GetObject`` on the objects in that folder.
    - ``kms:Decrypt`` on ``kms_key_arn``, only through S3 in the bucket's Region (``kms:ViaService``)
      and, when ``trail_arns`` are given, only for their log files (encryption context).

    :param organization_id: set for an organisation trail, whose logs are under
        ``AWSLogs/<organization id>/<account>/``. Default: an account trail (``AWSLogs/<account>/``).
    :param log_prefix: the trail's S3 key prefix. Default: none.
    :param bucket_region: the bucket's (and key's) Region. Default: the Region in ``kms_key_arn``.
    """
    _check_account_id(account_id, "account_id")
    trails = _check_trail_arns(trail_arns)
    folder = log_folder(account_id=account_id, organization_id=organization_id, log_prefix=log_prefix)
    statements: list[Statement] = [
        {
            "Sid": "ReadTrail",
            "Effect": "Allow",
            "Action": "cloudtrail:GetTrail",
            "Resource": _one_or_many(trails) if trails else f"arn:{partition}:cloudtrail:*:{account_id}:trail/*",
        },
        {
            "Sid": "GenerateServiceLastAccessedDetails",
            "Effect": "Allow",
            "Action": "iam:GenerateServiceLastAccessedDetails",
            "Resource": [f"arn:{partition}:iam::{account_id}:role/*", f"arn:{partition}:iam::{account_id}:user/*"],
        },
        {
            # No resource type in the Service Authorization Reference: "*" is the only value.
            "Sid": "GetServiceLastAccessedDetails",
            "Effect": "Allow",
            "Action": "iam:GetServiceLastAccessedDetails",
            "Resource": "*",
        },
        {
            "Sid": "ListTrailLogs",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": trail_bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": f"{folder}*"}},
        },
        {
            "Sid": "ReadTrailLogs",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"{trail_bucket_arn}/{folder}*",
        },
    ]
    if kms_key_arn is not None:
        region = _bucket_region(kms_key_arn, bucket_region)
        condition: dict[str, Any] = {"kms:ViaService": f"s3.{region}.amazonaws.com"}
        if trails:
            condition["kms:EncryptionContext:aws:cloudtrail:arn"] = _one_or_many(trails)
        statements.append(
            {
                "Sid": "DecryptTrailLogs",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": kms_key_arn,
                "Condition": {"StringEquals": condition},
            }
        )
    return {"Version": POLICY_VERSION, "Statement": statements}


def organization_bucket_policy_statements(
    *,
    role_arn: str,
    trail_bucket_arn: str,
    account_id: str,
    organization_id: str,
    log_prefix: str | None = None,
) -> list[Statement]:
    """The statements the owner of an organisation trail's bucket adds to its bucket policy.

    They let one access role (``role_arn``, in member account ``account_id``) list and read that
    account's log files and nothing else: the principal is the role itself, not ``*`` with a
    ``aws:PrincipalArn`` pattern, so no other role can use them. The bucket must also use the
    Object Ownership setting "bucket owner enforced" (or "preferred", then only logs written after
    the change can be read).
    """
    _check_account_id(account_id, "account_id")
    _check_organization_id(organization_id)
    folder = log_folder(account_id=account_id, organization_id=organization_id, log_prefix=log_prefix)
    principal = {"AWS": role_arn}
    return [
        {
            "Sid": f"AccessAnalyzerListTrailLogs{account_id}",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:ListBucket",
            "Resource": trail_bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": f"{folder}*"}},
        },
        {
            "Sid": f"AccessAnalyzerReadTrailLogs{account_id}",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:GetObject",
            "Resource": f"{trail_bucket_arn}/{folder}*",
        },
    ]


def organization_key_policy_statements(
    *,
    role_arn: str,
    trail_arns: Sequence[str],
    kms_key_arn: str,
    account_id: str,
    bucket_region: str | None = None,
) -> list[Statement]:
    """The statement the owner of an organisation trail's KMS key adds to the key policy.

    It lets the access role decrypt the trail's log files (encryption context
    ``aws:cloudtrail:arn``) through S3 in the bucket's Region, and nothing else. In a key policy
    ``"Resource": "*"`` means the key itself.
    """
    _check_account_id(account_id, "account_id")
    trails = _check_trail_arns(trail_arns)
    if not trails:
        raise IamPolicyError("trail_arns is empty: name the organisation trail whose log files the key encrypts.")
    region = _bucket_region(kms_key_arn, bucket_region)
    return [
        {
            "Sid": f"AccessAnalyzerDecryptTrailLogs{account_id}",
            "Effect": "Allow",
            "Principal": {"AWS": role_arn},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"s3.{region}.amazonaws.com",
                    "kms:EncryptionContext:aws:cloudtrail:arn": _one_or_many(trails),
                }
            },
        }
    ]


def deployer_policy(
    *,
    access_role_arns: Sequence[str] = (),
    region: str | Sequence[str] | None = None,
    account_id: str | None = None,
    partition: str = "aws",
    policy_checks: bool = True,
    assume_role_arns: Sequence[str] = (),
    session_tags: bool = False,
) -> Document:
    """The identity policy whoever runs ``cdktf deploy`` needs for policygen's generations.

    With ``access_role_arns`` (the identity calls Access Analyzer itself):

    - The four policy-generation actions the provider calls (start on create, get on refresh,
      list, cancel on destroy). They support no resource-level permissions, so ``Resource`` is
      ``"*"``; with ``region`` they are allowed only in that Region (or those Regions).
    - With ``policy_checks``, the three policy checks of the gate (``accessanalyzer_policy_check``,
      ``policygen check``): ValidatePolicy, CheckNoNewAccess, CheckAccessNotGranted, in the same
      Regions.
    - ``iam:PassRole`` on exactly ``access_role_arns``, and only to Access Analyzer
      (``iam:PassedToService``).

    With ``assume_role_arns`` (the provider's ``assume_role``, e.g. ``AccountProviders``' role in
    each member account): ``sts:AssumeRole`` on exactly those roles, and ``sts:TagSession`` with
    ``session_tags`` (the block's ``tags``). The role assumed in each account then holds the
    first kind of document, for that account's access role: ``deployer_policy(access_role_arns=[...])``,
    and trusts the deployer through :func:`generation_role_trust_policy`.

    :param access_role_arns: the access roles the generations use: role ARNs, or, with
        ``account_id``, role names (with their path, e.g. ``service-role/AccessAnalyzerMonitor``).
        Wildcards are refused: name each role.
    :param account_id: the account of roles given by name. Default: every entry must be an ARN.
    :param partition: the partition of roles given by name.
    :param policy_checks: allow the policy checks of the gate. Default: True.
    :param assume_role_arns: the roles the provider assumes (ARNs; no wildcards). Default: none.
    :param session_tags: allow ``sts:TagSession`` on them, for ``assume_role { tags }``. Default: False.

    Managing the access role itself (``iam:CreateRole``, ``iam:PutRolePolicy`` and the like, when
    the same stack declares an :class:`~policygen.constructs.iam.AccessAnalyzerServiceRole`) is not
    part of this document.
    """
    for name, values in (("access_role_arns", access_role_arns), ("assume_role_arns", assume_role_arns)):
        if isinstance(values, str):
            raise IamPolicyError(f"{name} must be a list of role ARNs, not one string; wrap it in a list.")
    if not access_role_arns and not assume_role_arns:
        raise IamPolicyError(
            "access_role_arns is empty: name every access role the policy generations use "
            "(or assume_role_arns, the roles the provider assumes)."
        )
    if account_id is not None:
        _check_account_id(account_id, "account_id")
    statements: list[Statement] = []
    if access_role_arns:
        statements += _access_analyzer_statements(
            [_role_arn(entry, account_id, partition) for entry in access_role_arns], region, policy_checks
        )
    if assume_role_arns:
        assumed = list(
            dict.fromkeys(_role_arn(entry, None, partition, what="role to assume") for entry in assume_role_arns)
        )
        statements.append(
            {
                "Sid": "AssumePolicyGenerationRoles",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "sts:TagSession"] if session_tags else "sts:AssumeRole",
                "Resource": _one_or_many(assumed),
            }
        )
    return {"Version": POLICY_VERSION, "Statement": statements}


def _access_analyzer_statements(
    roles: list[str], region: str | Sequence[str] | None, policy_checks: bool
) -> list[Statement]:
    """The Access Analyzer statements of :func:`deployer_policy`: generations, checks, PassRole."""
    condition: dict[str, Any] = {}
    if region is not None:
        regions = [region] if isinstance(region, str) else list(region)
        if not regions:
            raise IamPolicyError("region is an empty list: give at least one Region, or None for every Region.")
        condition = {"Condition": {"StringEquals": {"aws:RequestedRegion": _one_or_many(regions)}}}
    statements: list[Statement] = [
        {"Sid": "ManagePolicyGenerations", "Effect": "Allow", "Action": list(POLICY_GENERATION_ACTIONS),
         "Resource": "*", **condition},
    ]  # fmt: skip
    if policy_checks:
        statements.append(
            {"Sid": "RunPolicyChecks", "Effect": "Allow", "Action": list(POLICY_CHECK_ACTIONS), "Resource": "*",
             **condition}
        )  # fmt: skip
    statements.append(
        {
            "Sid": "PassAccessRolesToAccessAnalyzer",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": _one_or_many(list(dict.fromkeys(roles))),
            "Condition": {"StringEquals": {"iam:PassedToService": ACCESS_ANALYZER_PRINCIPAL}},
        }
    )
    return statements


def generation_role_trust_policy(
    *, deployer_arns: Sequence[str], external_id: str | None = None, session_tags: bool = False
) -> Document:
    """The trust policy of the role a member account lets the deployer assume (``assume_role.role_arn``).

    Only ``deployer_arns`` (the CI runner's role, say) may assume it; with ``external_id`` only when
    it passes that ExternalId (``sts:ExternalId``), as the provider's ``assume_role.external_id``
    sends it; with ``session_tags`` the deployer may tag the session (``sts:TagSession``).
    """
    if isinstance(deployer_arns, str) or not deployer_arns:
        raise IamPolicyError("deployer_arns must be a non-empty list of the IAM ARNs that run Terraform.")
    for arn in deployer_arns:
        parsed = parse_arn(arn)
        if not is_reference(arn) and (parsed is None or parsed.service not in ("iam", "sts") or "*" in arn):
            raise IamPolicyError(f"deployer {arn!r} is not an IAM role or user ARN; name each deployer exactly.")
    statement: Statement = {
        "Sid": "DeployerAssumesForPolicyGeneration",
        "Effect": "Allow",
        "Principal": {"AWS": _one_or_many(list(deployer_arns))},
        "Action": ["sts:AssumeRole", "sts:TagSession"] if session_tags else "sts:AssumeRole",
    }
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": POLICY_VERSION, "Statement": [statement]}


def log_folder(*, account_id: str, organization_id: str | None = None, log_prefix: str | None = None) -> str:
    """The key prefix of an account's CloudTrail log files, with a trailing slash.

    ``[<prefix>/]AWSLogs/<account>/`` for an account trail and
    ``[<prefix>/]AWSLogs/<organization id>/<account>/`` for an organisation trail.
    """
    parts = [log_prefix.strip("/")] if log_prefix and log_prefix.strip("/") else []
    parts.append(LOGS_FOLDER)
    if organization_id is not None:
        _check_organization_id(organization_id)
        parts.append(organization_id)
    parts.append(account_id)
    return "/".join(parts) + "/"


def region_of_arn(arn: str) -> str | None:
    """The Region field of a literal ARN; None for a reference or an ARN without one."""
    parts = None if is_reference(arn) else parse_arn(arn)
    return (parts.region or None) if parts is not None else None


def _role_arn(entry: str, account_id: str | None, partition: str, *, what: str = "access role") -> str:
    if is_reference(entry):
        return entry
    if "*" in entry or "?" in entry:
        action = "iam:PassRole" if what == "access role" else "sts:AssumeRole"
        raise IamPolicyError(f"{what} {entry!r} has a wildcard; {action} must name each role. List the roles' ARNs.")
    if entry.startswith("arn:"):
        arn = parse_arn(entry)
        if arn is None or not _ROLE_ARN.match(entry):
            raise IamPolicyError(f"{what} {entry!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>).")
        if account_id is not None and arn.account != account_id:
            raise IamPolicyError(
                f"access role {entry!r} is in account {arn.account}, not account_id {account_id}; "
                "Access Analyzer can only use access roles of the account that starts the generation."
            )
        return entry
    if account_id is None:
        raise IamPolicyError(
            f"access role {entry!r} is a name, not an ARN; pass its ARN, or pass account_id to build one."
        )
    if not _ROLE_NAME.match(entry):
        raise IamPolicyError(f"access role name {entry!r} is not a valid IAM role name (with optional path).")
    return f"arn:{partition}:iam::{account_id}:role/{entry.strip('/')}"


def _bucket_region(kms_key_arn: str, bucket_region: str | None) -> str:
    region = bucket_region or region_of_arn(kms_key_arn)
    if region is None:
        raise IamPolicyError(
            f"cannot tell the bucket's Region from kms_key_arn {kms_key_arn!r} (a reference, or no Region "
            "in it); pass bucket_region, the Region of the trail bucket and its key, for kms:ViaService."
        )
    return region


def _check_trail_arns(trail_arns: Sequence[str] | None) -> list[str]:
    if trail_arns is None:
        return []
    if isinstance(trail_arns, str):
        raise IamPolicyError("trail_arns must be a list of trail ARNs, not one string; wrap it in a list.")
    for arn in trail_arns:
        if is_reference(arn):
            continue
        parts = parse_arn(arn)
        if (
            parts is None
            or not parts.partition.startswith("aws")
            or parts.service != "cloudtrail"
            or not parts.resource.startswith("trail/")
            or "*" in arn
        ):
            raise IamPolicyError(
                f"trail ARN {arn!r} is not a CloudTrail trail ARN "
                "(arn:aws:cloudtrail:<region>:<account>:trail/<name>, without wildcards)."
            )
    return list(dict.fromkeys(trail_arns))


def _check_account_id(value: str, name: str) -> None:
    if not is_reference(value) and not _ACCOUNT_ID.match(value):
        raise IamPolicyError(f"{name} {value!r} is not an AWS account id (12 digits).")


def _check_organization_id(value: str) -> None:
    if not is_reference(value) and not _ORGANIZATION_ID.match(value):
        raise IamPolicyError(f"organization_id {value!r} is not an AWS Organizations id (o- and 10-32 letters/digits).")


def _one_or_many(values: Sequence[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)
