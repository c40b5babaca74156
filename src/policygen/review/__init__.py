"""``policygen review``: what a Terraform plan will do to Access Analyzer policy generations.

May import: :mod:`policygen.errors`, ``_names``, :mod:`policygen.spec`, :mod:`policygen.policy` and
:mod:`policygen.provider.rules` (what the provider says of a job, said alike in the review); no tf,
no boto3.


Reads the JSON of ``terraform show -json PLANFILE`` and describes every
``accessanalyzer_policy_generation`` the plan creates, replaces, deletes (a delete cancels the job
when it is still in progress) or updates, with the warnings a reviewer should see:

* ``window_near_limit``: a window of :data:`NEAR_LIMIT_DAYS` days or more, near the 90-day maximum.
* ``organization_trail_all_regions``: ``all_regions`` on what looks like an organisation trail,
  which risks the limit of 100,000 log files per generation. The heuristic, since a plan cannot
  know: the trail's account differs from the principal's (organisation trails live in the
  management or a delegated account), or the trail name has a word starting with ``org`` (``org``,
  ``org-trail``, ``OrganizationTrail``; a bare substring would also match ``forge`` or ``georgia``).
* ``daily_quota``: two or more jobs started in one Region by one apply, against the daily quota of
  :data:`DAILY_QUOTA` (:data:`LOW_DAILY_QUOTA` in :data:`LOW_DAILY_QUOTA_REGIONS`, all from
  :mod:`policygen.spec.quotas`); the Region comes from the
  provider configuration in the plan, else from ``--region``, else it is reported as unknown.
* ``one_at_a_time``: two or more jobs in one Region run one after another (one warning per
  Region); jobs of different Regions run side by side, so the apply lasts as long as its busiest
  Region. The expected duration assumes :data:`SECONDS_PER_JOB` per job. Jobs whose Region the
  plan does not show are counted as one "unknown Region", which can only overstate the wait.
* ``cancels_running_job``: a replace or delete cancels a job that was in progress at plan time.

:func:`review_plan` builds a :class:`Review`; :meth:`Review.to_dict` is the ``--format json``
document (its shape is documented in ``docs/cli.md``) and :func:`to_markdown` the pull-request
comment.

The package, by job: :mod:`~policygen.review.reading` (plan JSON in, its types checked),
:mod:`~policygen.review.model` (the result dataclasses and their ``to_dict``),
:mod:`~policygen.review.rules` (the changes, quotas per Region and warnings) and
:mod:`~policygen.review.render` (Markdown).
"""

from __future__ import annotations

from policygen.review.model import (
    RESOURCE_TYPE,
    REVIEW_FORMAT,
    SECONDS_PER_JOB,
    GenerationChange,
    PolicyRead,
    RegionQuota,
    Review,
    ReviewWarning,
    TrailChange,
    Window,
    estimated_seconds,
)
from policygen.review.reading import MAX_MODULE_DEPTH, load_plan, read_plan
from policygen.review.render import to_markdown
from policygen.review.rules import NEAR_LIMIT_DAYS, review_plan

__all__ = [
    "MAX_MODULE_DEPTH",
    "NEAR_LIMIT_DAYS",
    "RESOURCE_TYPE",
    "REVIEW_FORMAT",
    "SECONDS_PER_JOB",
    "GenerationChange",
    "PolicyRead",
    "RegionQuota",
    "Review",
    "ReviewWarning",
    "TrailChange",
    "Window",
    "estimated_seconds",
    "load_plan",
    "read_plan",
    "review_plan",
    "to_markdown",
]
