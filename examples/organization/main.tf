# Policy generations for the roles of several member accounts from one Terraform configuration:
# one provider configuration per account, each assuming that account's PolicyGeneration role.
# The Terraform runner has one identity (a CI role through OIDC, say) allowed sts:AssumeRole on
# exactly those roles (policygen.aws.iam.deployer_policy(assume_role_arns=[...])).
#
# Why one provider block per account, not `for_each` over accounts: Terraform 1.11 cannot create
# provider configurations with `for_each` (provider blocks are static; `for_each` on provider
# blocks arrived only in OpenTofu 1.9, and Terraform has no equivalent yet). A provider
# configuration is also what gives each account its own process and start queue, so each account
# gets an aliased block, written once, and `for_each` runs over that account's roles.
# Adding an account = one provider block and one resource block (or generate this file).

terraform {
  required_version = ">= 1.5"

  required_providers {
    accessanalyzer = {
      source  = "terraform.local/policygen/accessanalyzer"
      version = "0.1.0"
    }
  }
}

# --- one provider per account (and Region): the alias names the account --------------------------

provider "accessanalyzer" {
  alias        = "a111111111111_us_east_1"
  region       = var.region
  endpoint     = var.endpoint     # null: AWS's (AWS_ENDPOINT_URL_ACCESSANALYZER if set)
  sts_endpoint = var.sts_endpoint # null: AWS's (AWS_ENDPOINT_URL_STS if set)
  assume_role {
    role_arn     = "arn:aws:iam::111111111111:role/${var.generation_role_name}"
    session_name = "policygen"
  }
}

provider "accessanalyzer" {
  alias        = "a222222222222_us_east_1"
  region       = var.region
  endpoint     = var.endpoint
  sts_endpoint = var.sts_endpoint
  assume_role {
    role_arn     = "arn:aws:iam::222222222222:role/${var.generation_role_name}"
    session_name = "policygen"
  }
}

provider "accessanalyzer" {
  alias        = "a333333333333_us_east_1"
  region       = var.region
  endpoint     = var.endpoint
  sts_endpoint = var.sts_endpoint
  assume_role {
    role_arn     = "arn:aws:iam::333333333333:role/${var.generation_role_name}"
    session_name = "policygen"
  }
}

# --- each account's roles, with for_each: no per-role wiring -------------------------------------

locals {
  # account -> role name -> the request's common parts, from var.roles (one map per account).
  trail = { for account, _ in var.roles : account => "arn:aws:cloudtrail:${var.region}:${account}:trail/${var.trail_name}" }
}

resource "accessanalyzer_policy_generation" "a111111111111" {
  provider      = accessanalyzer.a111111111111_us_east_1
  for_each      = toset(lookup(var.roles, "111111111111", []))
  principal_arn = "arn:aws:iam::111111111111:role/${each.key}"
  access_role   = "arn:aws:iam::111111111111:role/${var.access_role_name}"
  trails        = [{ cloud_trail_arn = local.trail["111111111111"], regions = [var.region] }]
  lookback_days = var.lookback_days
  instance_key  = "${terraform.workspace}/111111111111/${each.key}"
}

resource "accessanalyzer_policy_generation" "a222222222222" {
  provider      = accessanalyzer.a222222222222_us_east_1
  for_each      = toset(lookup(var.roles, "222222222222", []))
  principal_arn = "arn:aws:iam::222222222222:role/${each.key}"
  access_role   = "arn:aws:iam::222222222222:role/${var.access_role_name}"
  trails        = [{ cloud_trail_arn = local.trail["222222222222"], regions = [var.region] }]
  lookback_days = var.lookback_days
  instance_key  = "${terraform.workspace}/222222222222/${each.key}"
}

resource "accessanalyzer_policy_generation" "a333333333333" {
  provider      = accessanalyzer.a333333333333_us_east_1
  for_each      = toset(lookup(var.roles, "333333333333", []))
  principal_arn = "arn:aws:iam::333333333333:role/${each.key}"
  access_role   = "arn:aws:iam::333333333333:role/${var.access_role_name}"
  trails        = [{ cloud_trail_arn = local.trail["333333333333"], regions = [var.region] }]
  lookback_days = var.lookback_days
  instance_key  = "${terraform.workspace}/333333333333/${each.key}"
}

output "job_ids" {
  description = "Job id of every generation, by account and role."
  value = {
    "111111111111" = { for role, g in accessanalyzer_policy_generation.a111111111111 : role => g.job_id }
    "222222222222" = { for role, g in accessanalyzer_policy_generation.a222222222222 : role => g.job_id }
    "333333333333" = { for role, g in accessanalyzer_policy_generation.a333333333333 : role => g.job_id }
  }
}
