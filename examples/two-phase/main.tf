# Two-phase policy generation with plain Terraform: start -> review -> adopt, behind a gate.
#
# Phase 1 (this file): `terraform apply` starts the job and, because wait_for_completion is set,
# returns once Access Analyzer has generated the draft. The data source reads the draft; the
# outputs show it for review (or run `policygen fetch <job_id> --out policies/`).
# The gate: `accessanalyzer_policy_check` runs Access Analyzer's policy checks on the draft, and its
# postcondition stops every plan (and this apply) whose draft fails them, with the reason.
# Phase 2 (adopt.tf.example): rename it to adopt.tf once the draft is reviewed; the next apply
# creates the IAM policy from it, only if the gate passes. It needs the hashicorp/aws provider.

terraform {
  required_providers {
    accessanalyzer = { source = "terraform.local/policygen/accessanalyzer", version = "0.1.0" }
  }
}

provider "accessanalyzer" {}

variable "current_policy" {
  description = "The policy in force for the role (JSON), e.g. file(\"current-policy.json\"). When set, the gate fails a draft that grants anything it does not (CheckNoNewAccess: a custom policy check, charged by AWS on every plan and refresh). Default: not compared."
  type        = string
  default     = null
}

variable "denied_actions" {
  description = "Actions the adopted policy must never grant (CheckAccessNotGranted: a custom policy check, charged by AWS on every plan and refresh). [] skips the check."
  type        = list(string)
  default = [
    "iam:CreateAccessKey",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "s3:PutBucketPolicy",
    "kms:PutKeyPolicy",
    "cloudtrail:StopLogging",
  ]
}

resource "accessanalyzer_policy_generation" "app_role" {
  principal_arn = "arn:aws:iam::123456789012:role/app"
  access_role   = "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole"
  trails = [{
    cloud_trail_arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management"
    regions         = ["us-east-1"]
  }]
  lookback_days       = 30
  wait_for_completion = true
  wait_timeout        = "45m"
}

data "accessanalyzer_generated_policy" "app_role" {
  job_id                        = accessanalyzer_policy_generation.app_role.job_id
  include_resource_placeholders = true
}

locals {
  # Access Analyzer splits a draft over 6,144 characters into several documents; attached together
  # they grant what one document with all their statements grants, so the gate checks that one.
  draft = jsonencode({
    Version   = "2012-10-17"
    Statement = flatten([for p in data.accessanalyzer_generated_policy.app_role.policies : jsondecode(p).Statement])
  })
}

data "accessanalyzer_policy_check" "app_role" {
  policy         = local.draft
  reference      = var.current_policy
  denied_actions = var.denied_actions

  lifecycle {
    postcondition {
      condition     = self.result == "PASS"
      error_message = "The generated draft does not pass the adoption gate. ${self.message}"
    }
  }
}

output "job_id" {
  value = accessanalyzer_policy_generation.app_role.job_id
}

output "draft_policies" {
  description = "The generated policy documents (JSON), for review before adoption."
  value       = data.accessanalyzer_generated_policy.app_role.policies
}

output "draft_is_complete" {
  value = data.accessanalyzer_generated_policy.app_role.is_complete
}

output "gate" {
  description = "The policy check of the draft: PASS (or the plan stops), with ValidatePolicy's findings."
  value = {
    result   = data.accessanalyzer_policy_check.app_role.result
    message  = data.accessanalyzer_policy_check.app_role.message
    findings = data.accessanalyzer_policy_check.app_role.findings
  }
}
