"""An environment for terraform, the cdktf and cdktn CLIs and boto3 that talks only to the embedded endpoint.

It sees none of the user's own AWS or Terraform configuration: fake credentials, an empty Terraform
CLI configuration and a private HOME, all inside one folder; no update checks, no colour. Used by
``make demo``, the tests and the benchmarks, so that none of them can reach real AWS by accident.
Given the project's ``node_modules/.bin``, it puts that first on ``PATH``: jsii and the CLIs then run
the Node.js that ``package.json`` pins, not whichever one the machine has.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Credentials the embedded endpoint accepts (it accepts any); never valid at AWS.
FAKE_ACCESS_KEY_ID = "AKIAEMBEDDEDENDPOINT"
FAKE_SECRET_ACCESS_KEY = "embedded-endpoint-accepts-any-secret"  # noqa: S105  # not a secret: see above


def sandbox_env(
    folder: Path, endpoint: str | None = None, region: str = "us-east-1", *, node_bin: Path | None = None
) -> dict[str, str]:
    """This process's environment without AWS_*/TF_* variables, pointed at ``endpoint``, homed in ``folder``.

    ``node_bin``, a folder such as the project's ``node_modules/.bin``, comes first on ``PATH``.
    ``JSII_SILENCE_*`` variables are dropped too, so that a warning of jsii (about the Node version,
    say) shows.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "terraformrc").touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_", "JSII_SILENCE_"))}
    if node_bin is not None:
        env["PATH"] = os.pathsep.join([str(node_bin), *[p for p in env.get("PATH", "").split(os.pathsep) if p]])
    env.update(
        HOME=str(folder),
        TF_CLI_CONFIG_FILE=str(folder / "terraformrc"),
        CHECKPOINT_DISABLE="1",
        DISABLE_VERSION_CHECK="true",
        CDKTF_DISABLE_PLUGIN_CACHE_ENV="true",
        AWS_ACCESS_KEY_ID=FAKE_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=FAKE_SECRET_ACCESS_KEY,
        AWS_REGION=region,
        AWS_CONFIG_FILE=str(folder / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(folder / "aws-credentials"),
        # No credential lookup may leave the machine (instance metadata is 169.254.169.254).
        AWS_EC2_METADATA_DISABLED="true",
        CI="1",  # plain, line-by-line output from the cdktf CLI
        FORCE_COLOR="0",
    )
    if endpoint:
        env["AWS_ENDPOINT_URL_ACCESSANALYZER"] = endpoint
    return env
