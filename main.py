"""The policygen CDKTF app: one stack with a PolicyGeneration for every spec in specs/.

Run through the cdktf CLI (`npx cdktf deploy`, see cdktf.json) or `make demo`. On CDK Terrain, the
same app imports App, LocalBackend and TerraformStack from cdktn (README, "CDK Terrain (cdktn)").
A spec with a mistake ends it with the located lines and exit status 1, without a traceback.
Environment:
  POLICYGEN_SPECS  folder of spec files (default: specs/ next to this file)
  POLICYGEN_STATE  path of the local Terraform state (default: cdktf's, terraform.policygen.tfstate here)
  POLICYGEN_ROLES  the role to assume in each account of the specs' principals: a pattern such as
                   arn:aws:iam::{account}:role/PolicyGeneration, or ACCOUNT=ROLE_ARN,ACCOUNT=ROLE_ARN;
                   then every account gets its own provider (AccountProviders). Default: unset, one provider
  POLICYGEN_REGION the Region of those providers (default: AWS_REGION at apply)
  POLICYGEN_ALLOW_LATER_DAYS=1  declare generations beyond an account's daily quota (they run on later days)
"""

import os
import sys
from pathlib import Path

from cdktf import App, LocalBackend, TerraformStack

from policygen import AccountProviders, PolicyGenerations, PolicygenError

SPECS = Path(os.environ.get("POLICYGEN_SPECS", Path(__file__).parent / "specs"))

app = App()
stack = TerraformStack(app, "policygen")
if "POLICYGEN_STATE" in os.environ:
    LocalBackend(stack, path=os.environ["POLICYGEN_STATE"])
try:
    roles = os.environ.get("POLICYGEN_ROLES")
    accounts = (
        AccountProviders(stack, "accounts", roles=roles, region=os.environ.get("POLICYGEN_REGION") or None)
        if roles
        else None
    )
    later = os.environ.get("POLICYGEN_ALLOW_LATER_DAYS") == "1"
    PolicyGenerations.from_directory(stack, SPECS, accounts=accounts, allow_later_days=later)
except PolicygenError as exc:
    sys.exit(str(exc))
app.synth()
