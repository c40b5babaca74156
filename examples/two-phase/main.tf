# Two-phase policy generation with plain Terraform: start -> review -> adopt.
#
# Phase 1 (this file): `terraform apply` starts the job and, because wait_for_completion is set,
# returns once Access Analyzer has generated the draft. The data source reads the draft; the
# outputs show it for review (or run `policygen fetch <job_id> --out policies/`).
# Phase 2 (adopt.tf.example): rename it to adopt.tf once the draft is reviewed; the next apply
# creates the IAM policy from it. It needs the hashicorp/aws provider.

terraform {
  required_providers {
    accessanalyzer = { source = "terraform.local/policygen/accessanalyzer", version = "0.1.0" }
  }
}

provider "accessanalyzer" {}

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
