# Values for a first run against the embedded endpoint (`policygen emulator`); use your own for AWS.
region          = "us-east-1"
principal_arn   = "arn:aws:iam::123456789012:role/app"
access_role_arn = "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole"
trail_arn       = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management"
trail_regions   = ["us-east-1"]
lookback_days   = 7
