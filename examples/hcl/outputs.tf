output "app_role_job_id" {
  description = "The job id StartPolicyGeneration returned."
  value       = accessanalyzer_policy_generation.app_role.job_id
}

output "policy_generation_job_ids" {
  description = "Every generation's job id by name, as the policygen constructs output it."
  value = {
    "app-role" = accessanalyzer_policy_generation.app_role.job_id
  }
}

output "app_role_policies" {
  description = "The generated policy documents (JSON strings), once the job has SUCCEEDED."
  value       = data.accessanalyzer_generated_policy.app_role.policies
}
