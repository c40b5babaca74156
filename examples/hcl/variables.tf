variable "region" {
  description = "AWS Region of Access Analyzer (and of the jobs)."
  type        = string
}

variable "principal_arn" {
  description = "ARN of the IAM role or user to generate a policy for."
  type        = string
}

variable "access_role_arn" {
  description = "ARN of the service role Access Analyzer assumes to read the trail (trusted by access-analyzer.amazonaws.com)."
  type        = string
}

variable "trail_arn" {
  description = "ARN of the CloudTrail trail whose events are read."
  type        = string
}

variable "trail_regions" {
  description = "Regions of the trail whose events are read."
  type        = list(string)
}

variable "lookback_days" {
  description = "How many days of events to read, 1-90, counted when the job is created."
  type        = number
  default     = 7
}
