"""Every attribute of policygen's Terraform resource and data sources, declared once.

The provider's schemas (policygen.provider), the construct bindings (policygen.constructs) and the
attribute tables of README.md and docs/ (``make docs``, checked by tests/test_docs_tables.py) are all
made from these declarations, the way terraform-plugin-docs derives a provider's docs from its
schema. The request's own fields come from the table of fields (:mod:`policygen.spec.fields`),
which also makes the JSON Schema's descriptions (checked by tests/spec/test_schema.py).

This module imports nothing of Terraform's, cdktf's or boto3's: the layers above translate a
declaration into their own types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from policygen.spec.fields import REQUEST_FIELDS, Field
from policygen.spec.waiting import DEFAULT_QUEUE_TIMEOUT, DEFAULT_WAIT_TIMEOUT

#: The kinds of value an attribute holds (those of the table of fields, plus lists of findings).
Kind = Literal["string", "timestamp", "number", "boolean", "strings", "string_map", "objects", "findings"]


@dataclass(frozen=True)
class TfAttribute:
    """One attribute: its name, kind, whether it is required, optional or computed, and its description."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    optional: bool = False
    computed: bool = False
    #: A change of the configured value replaces the resource (a new job).
    forces_replacement: bool = False
    #: The request's field it stands for, when it is one (``trails`` holds its items' fields).
    field: Field | None = None

    @property
    def mode(self) -> str:
        """``required``, ``optional``, ``computed`` or ``optional, computed`` (the docs' second column)."""
        if self.required:
            return "required"
        return ", ".join(word for word, flag in (("optional", self.optional), ("computed", self.computed)) if flag)


def _request_attribute(field: Field) -> TfAttribute:
    return TfAttribute(
        field.attribute,
        field.kind,
        field.description,
        required=field.required,
        optional=not field.required,
        computed=field.computed,
        forces_replacement=field.forces_replacement,
        field=field,
    )


#: The settings of ``accessanalyzer_policy_generation`` that are not part of the request: they change in place.
GENERATION_SETTINGS = (
    TfAttribute(
        "wait_for_completion",
        "boolean",
        "Return from create only when the job has SUCCEEDED (FAILED fails the apply). Default: false, create "
        "returns once the job has started. Changing it starts nothing.",
        optional=True,
    ),
    TfAttribute(
        "wait_timeout",
        "string",
        f"How long `wait_for_completion` waits, e.g. `45m`, `1h30m`. Default: `{DEFAULT_WAIT_TIMEOUT}`. The job "
        "keeps running when the wait gives up.",
        optional=True,
    ),
    TfAttribute(
        "queue_timeout",
        "string",
        "How long create waits for other generations of the account and Region to finish before it may start "
        f"(Access Analyzer runs one at a time), e.g. `2h`. Default: `{DEFAULT_QUEUE_TIMEOUT}`. Changing it starts "
        "nothing.",
        optional=True,
    ),
    TfAttribute(
        "instance_key",
        "string",
        "Tells this resource apart from others with the same request: mixed into the derived client token, never "
        "sent. policygen's constructs set it to `${terraform.workspace}/<stack>/<name>`; in HCL set it (e.g. "
        '`instance_key = "${terraform.workspace}/${each.key}"`) so that resources and workspaces with the same '
        "request get jobs of their own. Changing it starts nothing: it counts for the jobs started after the change.",
        optional=True,
    ),
)

#: What the job says of itself, shared by the resource and the generated-policy data source.
_STARTED_ON = TfAttribute("started_on", "string", "When the job started (RFC 3339).", computed=True)
_COMPLETED_ON = TfAttribute("completed_on", "string", "When the job ended (RFC 3339).", computed=True)
_JOB_ERROR = TfAttribute("job_error", "string", "`CODE: message` of a failed job.", computed=True)

#: What ``accessanalyzer_policy_generation`` computes.
GENERATION_OUTPUTS = (
    TfAttribute("job_id", "string", "The job id StartPolicyGeneration returned.", computed=True),
    TfAttribute(
        "status",
        "string",
        "IN_PROGRESS, SUCCEEDED, FAILED or CANCELED, as of the last apply or refresh.",
        computed=True,
    ),
    _STARTED_ON,
    _COMPLETED_ON,
    _JOB_ERROR,
    TfAttribute(
        "interrupted",
        "boolean",
        "True when Terraform was stopped (Ctrl-C) while create waited for the job: the job was left running and "
        "the resource tainted; its replacement carries on waiting for that same job instead of starting another.",
        computed=True,
    ),
    TfAttribute(
        "expired",
        "boolean",
        "True once Access Analyzer no longer returns the job (it keeps them about seven days). The resource stays "
        "in state so that no new job is started; `status` is the last one seen.",
        computed=True,
    ),
)

#: ``resource "accessanalyzer_policy_generation"``: the request, its settings, what it computes.
POLICY_GENERATION = (*(_request_attribute(f) for f in REQUEST_FIELDS), *GENERATION_SETTINGS, *GENERATION_OUTPUTS)

#: ``data "accessanalyzer_generated_policy"``.
GENERATED_POLICY = (
    TfAttribute("job_id", "string", "The job id, e.g. a resource's `job_id`.", required=True),
    TfAttribute(
        "include_resource_placeholders",
        "boolean",
        "Ask for resource ARN placeholders such as `${TableName}` instead of `*`. Default: false.",
        optional=True,
    ),
    TfAttribute(
        "include_service_level_template",
        "boolean",
        "Ask for a service-level template (`service:${Action}`) instead of actions. Default: false.",
        optional=True,
    ),
    TfAttribute("status", "string", "The job's status.", computed=True),
    TfAttribute(
        "is_complete",
        "boolean",
        "False when the service could not list every action used (e.g. too many).",
        computed=True,
    ),
    TfAttribute(
        "policies",
        "strings",
        "The generated policy documents, as JSON strings (empty until SUCCEEDED).",
        computed=True,
    ),
    _STARTED_ON,
    _COMPLETED_ON,
    _JOB_ERROR,
)

#: ``data "accessanalyzer_policy_check"``.
POLICY_CHECK = (
    TfAttribute("policy", "string", "The policy document (JSON) to check.", required=True),
    TfAttribute(
        "reference",
        "string",
        "The policy in force (JSON). When given, CheckNoNewAccess says whether `policy` grants anything it does not "
        "(`new_access`). A custom policy check: AWS charges for it.",
        optional=True,
    ),
    TfAttribute(
        "denied_actions",
        "strings",
        'Actions `policy` must not grant, e.g. `["iam:PassRole"]`; CheckAccessNotGranted (a custom policy check, '
        "charged by AWS).",
        optional=True,
    ),
    TfAttribute(
        "fail_on",
        "string",
        "The least severe finding type that fails the check: ERROR, SECURITY_WARNING, WARNING or SUGGESTION. "
        "Default: ERROR.",
        optional=True,
    ),
    TfAttribute("result", "string", "PASS, or FAIL (see `message`).", computed=True),
    TfAttribute("message", "string", "Why it failed, in sentences; or why not.", computed=True),
    TfAttribute(
        "findings",
        "findings",
        "ValidatePolicy's findings: finding_type, issue_code, details, location (`line L, column C` of `policy`, "
        "or null) and learn_more_link.",
        computed=True,
    ),
    TfAttribute(
        "new_access",
        "boolean",
        "True when `policy` grants access `reference` does not (null without `reference`).",
        computed=True,
    ),
    TfAttribute(
        "granted_denied_actions",
        "boolean",
        "True when `policy` grants one of `denied_actions` (null without them).",
        computed=True,
    ),
)


def markdown_table(attributes: tuple[TfAttribute, ...]) -> str:
    """The docs' attribute table: attribute, required/optional/computed, description."""
    rows = ["| attribute | | description |", "|---|---|---|"]
    rows += [f"| `{a.name}` | {a.mode} | {_cell(a.description)} |" for a in attributes]
    return "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    """``text`` as a Markdown table cell (a pipe would end it)."""
    return text.replace("|", "\\|")
