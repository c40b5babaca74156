variable "region" {
  description = "AWS Region of Access Analyzer (and of every job); the provider aliases name it."
  type        = string
  default     = "us-east-1"
}

variable "roles" {
  description = "The roles to draft policies for: account id -> role names in that account."
  type        = map(list(string))
}

variable "generation_role_name" {
  description = "Name of the role the runner assumes in each account (Access Analyzer actions + iam:PassRole on the access role)."
  type        = string
  default     = "PolicyGeneration"
}

variable "access_role_name" {
  description = "Name of the access role in each account (trusted by access-analyzer.amazonaws.com)."
  type        = string
  default     = "AccessAnalyzerMonitorServiceRole"
}

variable "trail_name" {
  description = "Name of the trail in each account whose events are read."
  type        = string
  default     = "management"
}

variable "lookback_days" {
  description = "How many days of events to read, 1-90, counted when the job is created."
  type        = number
  default     = 30
}

variable "endpoint" {
  description = "Access Analyzer endpoint URL (the embedded endpoint's, for a rehearsal). Default: AWS's."
  type        = string
  default     = null
}

variable "sts_endpoint" {
  description = "STS endpoint URL for assume_role (the embedded endpoint's, for a rehearsal). Default: AWS's."
  type        = string
  default     = null
}
