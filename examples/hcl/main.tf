# An IAM Access Analyzer policy generation with the policygen provider, from plain Terraform (no cdktf).
# See README.md in this folder for installing the provider and running this against the embedded endpoint.

terraform {
  required_version = ">= 1.5"

  required_providers {
    accessanalyzer = {
      # terraform.local is no registry: Terraform finds the provider only in a local mirror
      # (`policygen install-provider`), and never downloads anything under this name.
      source  = "terraform.local/policygen/accessanalyzer"
      version = "0.1.0"
    }
  }
}

provider "accessanalyzer" {
  region = var.region
  # profile  = "security-audit"        # default: AWS_PROFILE, else the default credentials
  # endpoint = "http://127.0.0.1:4599" # default: AWS_ENDPOINT_URL_ACCESSANALYZER, else AWS's
}

# Starts the job during apply. Every input forces a new job; job_id is known after apply.
resource "accessanalyzer_policy_generation" "app_role" {
  principal_arn = var.principal_arn
  access_role   = var.access_role_arn
  trails = [{
    cloud_trail_arn = var.trail_arn
    regions         = var.trail_regions # or: all_regions = true
  }]
  lookback_days = var.lookback_days # or: start_time = "2026-11-01T00:00:00Z" (and optionally end_time)

  # Tells this resource apart from others with the same request: each workspace (and each resource)
  # gets a job of its own, and destroying one never cancels another's. Changing it starts nothing.
  instance_key = "${terraform.workspace}/app_role"

  # Wait until the job has SUCCEEDED, so that the data source below reads the finished draft in
  # the same apply. Changing these two starts no new job.
  wait_for_completion = true
  wait_timeout        = "30m"
}

# The draft policy of the finished job (GetGeneratedPolicy), as JSON strings.
data "accessanalyzer_generated_policy" "app_role" {
  job_id = accessanalyzer_policy_generation.app_role.job_id
}
