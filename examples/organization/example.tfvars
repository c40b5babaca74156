roles = {
  "111111111111" = ["app", "reporting"]
  "222222222222" = ["data-pipeline"]
  "333333333333" = ["ci-deployer", "support"]
}
