"""The policygen CDKTF app: one stack with a PolicyGeneration for every spec in specs/.

Run through the cdktf CLI (`npx cdktf deploy`, see cdktf.json) or `make demo`.
"""

import os
import sys
from pathlib import Path

from cdktf import App, TerraformStack

from policygen import PolicyGenerations, SpecError

SPECS = Path(os.environ.get("POLICYGEN_SPECS", Path(__file__).parent / "specs"))

app = App()
stack = TerraformStack(app, "policygen")
try:
    PolicyGenerations.from_directory(stack, SPECS)
except SpecError as exc:
    sys.exit(str(exc))
app.synth()
