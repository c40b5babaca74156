"""From a CloudTrail event to the IAM actions it needs, and the resource ARN placeholders of those actions.

Most events map by rule: the service prefix is the first label of ``eventSource``
(``dynamodb.amazonaws.com`` -> ``dynamodb``) and the action is ``eventName``. The tables below hold
the documented exceptions, where the API's name or endpoint is not the IAM action's:

* endpoints whose name is not the IAM prefix (``monitoring`` is CloudWatch, ``email`` is SES);
* S3 operations authorised by another action (``ListObjectsV2`` needs ``s3:ListBucket``,
  ``HeadObject`` needs ``s3:GetObject``, ``CopyObject`` needs both ``s3:GetObject`` and
  ``s3:PutObject``, ``ListBuckets`` needs ``s3:ListAllMyBuckets``, the bucket lifecycle and
  encryption calls need ``s3:Get/PutLifecycleConfiguration`` and
  ``s3:Get/PutEncryptionConfiguration``);
* Lambda's ``Invoke`` (``lambda:InvokeFunction``) and the API-version suffixes Lambda and
  CloudFront append to event names (``GetFunction20150331v2``, ``GetDistribution2020_05_31``).

Resource placeholders are written as Access Analyzer writes them:
``arn:aws:dynamodb:${Region}:${Account}:table/${TableName}``. Actions without resource-level
permissions (or unknown to this table) get ``*``.
"""

from __future__ import annotations

import re

#: eventSource host -> IAM service prefix, where they differ.
SERVICE_PREFIXES: dict[str, str] = {
    "monitoring": "cloudwatch",
    "email": "ses",
    "streams.dynamodb": "dynamodb",
    "tagging": "tag",
    "api.ecr": "ecr",
    "api.sagemaker": "sagemaker",
}

#: (prefix, eventName) -> the actions the call is authorised by, where they are not prefix:eventName.
ACTION_EXCEPTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "ListBuckets"): ("s3:ListAllMyBuckets",),
    ("s3", "HeadBucket"): ("s3:ListBucket",),
    ("s3", "ListObjects"): ("s3:ListBucket",),
    ("s3", "ListObjectsV2"): ("s3:ListBucket",),
    ("s3", "ListObjectVersions"): ("s3:ListBucketVersions",),
    ("s3", "HeadObject"): ("s3:GetObject",),
    ("s3", "CopyObject"): ("s3:GetObject", "s3:PutObject"),
    ("s3", "UploadPartCopy"): ("s3:GetObject", "s3:PutObject"),
    ("s3", "CreateMultipartUpload"): ("s3:PutObject",),
    ("s3", "UploadPart"): ("s3:PutObject",),
    ("s3", "CompleteMultipartUpload"): ("s3:PutObject",),
    ("s3", "DeleteObjects"): ("s3:DeleteObject",),
    ("s3", "GetBucketLifecycle"): ("s3:GetLifecycleConfiguration",),
    ("s3", "GetBucketLifecycleConfiguration"): ("s3:GetLifecycleConfiguration",),
    ("s3", "PutBucketLifecycle"): ("s3:PutLifecycleConfiguration",),
    ("s3", "PutBucketLifecycleConfiguration"): ("s3:PutLifecycleConfiguration",),
    ("s3", "GetBucketEncryption"): ("s3:GetEncryptionConfiguration",),
    ("s3", "PutBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("s3", "DeleteBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("lambda", "Invoke"): ("lambda:InvokeFunction",),
    ("lambda", "InvokeAsync"): ("lambda:InvokeFunction",),
}

# Lambda's and CloudFront's event names carry the API version: GetFunction20150331v2, ListDistributions2020_05_31.
_VERSION_SUFFIX = re.compile(r"(\d{8}(v\d+)?|\d{4}_\d{2}_\d{2})$")

_S3_BUCKET = "arn:aws:s3:::${BucketName}"
_S3_OBJECT = "arn:aws:s3:::${BucketName}/${ObjectName}"
_TABLE = "arn:aws:dynamodb:${Region}:${Account}:table/${TableName}"
_QUEUE = "arn:aws:sqs:${Region}:${Account}:${QueueName}"
_TOPIC = "arn:aws:sns:${Region}:${Account}:${TopicName}"
_FUNCTION = "arn:aws:lambda:${Region}:${Account}:function:${FunctionName}"
_LOG_GROUP = "arn:aws:logs:${Region}:${Account}:log-group:${LogGroupName}"
_LOG_STREAM = "arn:aws:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}"
_KEY = "arn:aws:kms:${Region}:${Account}:key/${KeyId}"
_SECRET = "arn:aws:secretsmanager:${Region}:${Account}:secret:${SecretId}"  # noqa: S105 - an ARN placeholder, not a password
_PARAMETER = "arn:aws:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}"
_ROLE = "arn:aws:iam::${Account}:role/${RoleNameWithPath}"
_USER = "arn:aws:iam::${Account}:user/${UserNameWithPath}"
_TRAIL = "arn:aws:cloudtrail:${Region}:${Account}:trail/${TrailName}"
_REPOSITORY = "arn:aws:ecr:${Region}:${Account}:repository/${RepositoryName}"


def _each(resource: str, *actions: str) -> dict[str, tuple[str, ...]]:
    return dict.fromkeys(actions, (resource,))


#: IAM action -> resource ARN placeholders, for actions with resource-level permissions.
RESOURCE_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    **_each(
        _S3_BUCKET,
        "s3:ListBucket",
        "s3:ListBucketVersions",
        "s3:GetBucketLocation",
        "s3:GetBucketPolicy",
        "s3:GetBucketAcl",
        "s3:GetBucketTagging",
        "s3:GetBucketVersioning",
        "s3:GetLifecycleConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:GetEncryptionConfiguration",
        "s3:PutEncryptionConfiguration",
    ),
    **_each(
        _S3_OBJECT,
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:GetObjectTagging",
        "s3:PutObjectTagging",
        "s3:GetObjectAcl",
        "s3:PutObjectAcl",
        "s3:AbortMultipartUpload",
    ),
    **_each(
        _TABLE,
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:DescribeTable",
        "dynamodb:ConditionCheckItem",
    ),
    **_each(
        _QUEUE,
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ChangeMessageVisibility",
    ),
    **_each(_TOPIC, "sns:Publish", "sns:GetTopicAttributes", "sns:Subscribe"),
    **_each(
        _FUNCTION,
        "lambda:InvokeFunction",
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:UpdateFunctionCode",
    ),
    **_each(_LOG_GROUP, "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:CreateLogGroup"),
    **_each(_LOG_STREAM, "logs:PutLogEvents"),
    **_each(_KEY, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
    **_each(_SECRET, "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
    **_each(_PARAMETER, "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:PutParameter"),
    **_each(_ROLE, "sts:AssumeRole", "iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"),
    **_each(_USER, "iam:GetUser"),
    **_each(_TRAIL, "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"),
    **_each(_REPOSITORY, "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"),
}


def service_prefix(event_source: str) -> str | None:
    """The IAM prefix of an AWS ``eventSource``; None when it is not an AWS endpoint."""
    host, dot, domain = event_source.partition(".amazonaws.com")
    if not dot or domain or not host:
        return None
    return SERVICE_PREFIXES.get(host, host)


def actions_for(event_source: str, event_name: str) -> tuple[str, ...]:
    """The IAM actions that authorise one API call; empty when the source is not an AWS service."""
    prefix = service_prefix(event_source)
    if prefix is None or not event_name:
        return ()
    name = _VERSION_SUFFIX.sub("", event_name) if prefix in {"lambda", "cloudfront"} else event_name
    return ACTION_EXCEPTIONS.get((prefix, name), (f"{prefix}:{name}",))


def placeholders_for(action: str, partition: str = "aws") -> tuple[str, ...]:
    """The resource placeholders of an action in a partition; ``("*",)`` without resource-level permissions."""
    resources = RESOURCE_PLACEHOLDERS.get(action)
    if resources is None:
        return ("*",)
    return tuple(resource.replace("arn:aws:", f"arn:{partition}:", 1) for resource in resources)
