"""The policygen CDKTF app: one stack with a PolicyGeneration for every spec in specs/.

Run through the cdktf CLI (`npx cdktf deploy`, see cdktf.json) or `make demo`. On CDK Terrain, the
same app imports App, LocalBackend and TerraformStack from cdktn (README, "CDK Terrain (cdktn)").
A spec with a mistake ends it with the located lines and exit status 1, without a traceback.
Environment:
  POLICYGEN_SPECS  folder of spec files (default: specs/ next to this file)
  POLICYGEN_STATE  path of the local Terraform state (default: cdktf's, terraform.policygen.tfstate here)
"""

import os
import sys
from pathlib import Path

from cdktf import App, LocalBackend, TerraformStack

from policygen import PolicyGenerations, SpecError

SPECS = Path(os.environ.get("POLICYGEN_SPECS", Path(__file__).parent / "specs"))

app = App()
stack = TerraformStack(app, "policygen")
if "POLICYGEN_STATE" in os.environ:
    LocalBackend(stack, path=os.environ["POLICYGEN_STATE"])
try:
    PolicyGenerations.from_directory(stack, SPECS)
except SpecError as exc:
    sys.exit(str(exc))
app.synth()
