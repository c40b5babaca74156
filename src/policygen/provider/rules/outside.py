"""What the provider says about a job that changed, or vanished, outside Terraform.

Two things happen to jobs behind Terraform's back:

- **The service does not know a job younger than seven days.** The provider points at another
  Region, account or endpoint than the one that started it, or the endpoint lost it (an embedded
  endpoint restarted without ``--state-dir``). Refresh keeps the resource and warns (so that
  ``terraform destroy`` can still complete); a plan that would keep the resource fails, naming
  every way out; a delete forgets the job and says so.
- **A job ended FAILED or CANCELED outside Terraform** (``policygen cancel``, the console, or a
  job started without ``wait_for_completion`` that failed later). The resource keeps the job and
  the next apply starts nothing: a cancel may have been meant, and every start costs one of the
  day's 50. The plan warns, naming ``-replace`` for those who want a new job; ``policygen review``
  says the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from policygen.spec.arns import parse_arn
from policygen.spec.quotas import JOB_HISTORY
from policygen.spec.timestamps import parse_timestamp

#: Statuses that, found by a refresh of a resource whose create did not fail, were reached outside Terraform.
ENDED_BADLY = frozenset({"FAILED", "CANCELED"})
UNKNOWN_JOB = "Policy generation {job_id} is unknown to Access Analyzer"
ENDED_OUTSIDE = "Policy generation {job_id} ended {status} outside Terraform"
FORGOTTEN = "Forgot policy generation {job_id}, which Access Analyzer does not know"


def older_than_history(state: Mapping[str, Any], now: datetime, history: timedelta = JOB_HISTORY) -> bool:
    """Whether the job's recorded times say the service has forgotten it (after about seven days)."""
    moment = parse_timestamp(state.get("started_on") or state.get("completed_on"))
    return moment is not None and now - moment > history


def account_of(state: Mapping[str, Any]) -> str:
    """The account of the resource's principal, or ``(unknown)``."""
    arn = parse_arn(state.get("principal_arn"))
    return arn.account if arn is not None and arn.account else "(unknown)"


def ways_out(address_hint: str = "ADDRESS") -> str:
    """Every way out of a job the service does not know, as one paragraph."""
    return (
        "If the provider points at another Region, account or endpoint than the one that started the job, "
        "set its `region`, `profile` or `endpoint` back (an assumed role or AWS_PROFILE counts too). If the "
        "job is really gone: `terraform destroy -refresh=false` (or a plain `terraform destroy`, which "
        "completes after this warning), or `terraform state rm " + address_hint + "` to forget it, or "
        "`terraform import " + address_hint + " JOB_ID` to adopt another job."
    )


def unknown_job_detail(state: Mapping[str, Any], service_said: str, where: str) -> str:
    """The detail of a refresh (or plan) that found the job unknown to the service."""
    started = state.get("started_on") or "at an unrecorded time"
    return (
        f"{service_said} It started {started}, less than seven days ago, so it cannot have expired. "
        f"The principal is in account {account_of(state)}; this provider asked {where}. " + ways_out()
    )


def ended_outside_detail(state: Mapping[str, Any]) -> str:
    """The detail of the warning about a job that ended FAILED or CANCELED outside Terraform."""
    error = f" ({state['job_error']})" if state.get("job_error") else ""
    return (
        f"The job{error} is kept in state, and the next apply starts no new job for this resource: a cancel "
        "may have been meant, and every start counts against the day's quota. To start a new job, run "
        "`terraform apply -replace=ADDRESS` (with cdktf, `cdktf deploy` after `terraform taint`), or change "
        "its `triggers`."
    )


def forgotten_detail(state: Mapping[str, Any], service_said: str) -> str:
    """The detail of a delete that forgets a job the service does not know."""
    return (
        f"{service_said} It started {state.get('started_on') or 'at an unrecorded time'}, less than seven days "
        f"ago, so it may still be running in the Region or account it was started in (the principal's account "
        f"is {account_of(state)}): nothing was cancelled there. Cancel it with `policygen cancel "
        f"{state.get('job_id')}` against that Region if it should stop."
    )
