"""ValidatePolicy's checks that a statement's parts fit one another and the resource the policy is for.

Three of AWS's ERROR checks (IAM User Guide, "IAM policy validation check reference"):

* ``MISMATCHED_ACTION_FOR_PRINCIPAL``: a SAML provider with ``sts:AssumeRoleWithWebIdentity``,
  or an OIDC provider with ``sts:AssumeRoleWithSAML``, in a trust policy's ``Federated`` principal.
* ``UNSUPPORTED_ACTION_FOR_CONDITION_KEY``: a service's condition key that some of the statement's
  actions do not support, from the IAM action catalogue. As AWS's reference says, actions written
  with wildcards are not weighed; global keys (``aws:``) and keys of unknown prefixes are not either.
* ``UNSUPPORTED_RESOURCE_ARN_IN_POLICY``: a resource ARN of another service than the resource the
  policy is attached to (``validatePolicyResourceType``): a KMS key's ARN in a bucket policy.

Each answers with a list of ``(issue code, details, pointer)``, located by the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policygen.policy.catalog import Catalog
from policygen.policy.document import Statement
from policygen.policy.location import Pointer
from policygen.policy.wildcards import has_wildcard
from policygen.spec.arns import parse_arn

Problem = tuple[str, str, Pointer]

#: The service whose ARNs a resource policy of each ``validatePolicyResourceType`` may name (botocore's enum).
RESOURCE_TYPE_SERVICES = {
    "AWS::S3::Bucket": "s3",
    "AWS::S3::AccessPoint": "s3",
    "AWS::S3::MultiRegionAccessPoint": "s3",
    "AWS::S3ObjectLambda::AccessPoint": "s3-object-lambda",
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::DynamoDB::Stream": "dynamodb",
    "AWS::S3Express::DirectoryBucket": "s3express",
    "AWS::S3Express::AccessPoint": "s3express",
    "AWS::S3Tables::TableBucket": "s3tables",
    "AWS::S3Tables::Table": "s3tables",
}
_SAML, _WEB_IDENTITY = "sts:assumerolewithsaml", "sts:assumerolewithwebidentity"
# Identity providers IAM names without an ARN (IAM User Guide, "OIDC federation").
_WEB_IDENTITY_PROVIDERS = (
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
)


def mismatched_principals(statement: Statement) -> Iterator[Problem]:
    """``MISMATCHED_ACTION_FOR_PRINCIPAL`` for each federated action given the wrong kind of provider."""
    principal = statement.raw.get("Principal")
    if not isinstance(principal, dict) or statement.not_action:
        return
    names = principal.get("Federated")
    federated = [n for n in (names if isinstance(names, list) else [names]) if isinstance(n, str)]
    for entry in statement.actions or ():
        action = entry.value.lower()
        if action == _WEB_IDENTITY:
            wrong = [n for n in federated if ":saml-provider/" in n]
        elif action == _SAML:
            wrong = [n for n in federated if ":oidc-provider/" in n or n.lower() in _WEB_IDENTITY_PROVIDERS]
        else:
            continue
        if wrong:
            yield (
                "MISMATCHED_ACTION_FOR_PRINCIPAL",
                f"The {entry.value} action is invalid with the following principal(s): {', '.join(wrong)}. Use a "
                "SAML provider principal with the sts:AssumeRoleWithSAML action or use an OIDC provider principal "
                "with the sts:AssumeRoleWithWebIdentity action. Ensure the provider is Federated if you use either of "
                "the two options.",
                entry.pointer,
            )


def unsupported_condition_keys(statement: Statement, catalog: Catalog) -> Iterator[Problem]:
    """``UNSUPPORTED_ACTION_FOR_CONDITION_KEY`` for each service condition key some listed actions ignore."""
    if statement.not_action or not statement.condition:
        return
    actions = [e.value for e in statement.actions or () if not has_wildcard(e.value) and catalog.info(e.value)]
    for operator, keys in statement.condition.items():
        for key in keys if isinstance(keys, dict) else {}:
            prefix = key.split(":", 1)[0].lower() if ":" in key else ""
            if prefix in ("", "aws") or not _service_key(catalog, prefix, key):
                continue
            ignored = [a for a in actions if not _supports(catalog, a, key)]
            if ignored:
                yield (
                    "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
                    f"The following actions: {', '.join(ignored)} are not supported by the condition key {key}. The "
                    "condition will not be evaluated for these actions. We recommend that you move these actions to a "
                    "different statement without this condition key.",
                    (*statement.pointer, "Condition", operator, key),
                )


def _supports(catalog: Catalog, action: str, key: str) -> bool:
    info = catalog.info(action)
    return info is not None and info.supports_condition_key(key)


def _service_key(catalog: Catalog, prefix: str, key: str) -> bool:
    """Whether some action of the service supports ``key``: a key the catalogue knows, so worth weighing."""
    return any(_supports(catalog, action, key) for action in catalog.actions(prefix))


def unsupported_resource_arns(statement: Statement, resource_type: str | None) -> Iterator[Problem]:
    """``UNSUPPORTED_RESOURCE_ARN_IN_POLICY`` for each ARN of another service than the policy's resource."""
    service = RESOURCE_TYPE_SERVICES.get(resource_type or "")
    if service is None or statement.not_resource:
        return
    for entry in statement.resources or ():
        arn = parse_arn(entry.value)
        if arn is not None and not has_wildcard(arn.service) and arn.service != service:
            yield (
                "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
                "The resource ARN is not supported for the resource-based policy attached to the resource type "
                f"{resource_type}.",
                entry.pointer,
            )


def problems(statement: Statement, catalog: Catalog, resource_type: str | None) -> list[Problem]:
    """Every problem of the three checks in one statement."""
    found: list[Any] = [*mismatched_principals(statement), *unsupported_condition_keys(statement, catalog)]
    found.extend(unsupported_resource_arns(statement, resource_type))
    return found
