"""Names shared by the deploy-time provider and the synth-time constructs.

Both sides import them from here so that a rename cannot leave them disagreeing.
"""

from __future__ import annotations

#: The provider's version; the launcher is installed under it and the constructs pin it.
PROVIDER_VERSION = "0.1.0"
#: Registry host of the source address: not a public registry, so a missing install fails closed.
PROVIDER_HOST = "terraform.local"
PROVIDER_NAMESPACE = "policygen"
#: The provider's type name: the prefix of every resource and data source type.
PROVIDER_TYPE = "accessanalyzer"
PROVIDER_SOURCE = f"{PROVIDER_HOST}/{PROVIDER_NAMESPACE}/{PROVIDER_TYPE}"

#: The resource that starts a policy generation.
POLICY_GENERATION_TYPE = f"{PROVIDER_TYPE}_policy_generation"
#: The data source that reads a job's generated policies.
GENERATED_POLICY_TYPE = f"{PROVIDER_TYPE}_generated_policy"
#: The data source that checks a policy with Access Analyzer's policy checks.
POLICY_CHECK_TYPE = f"{PROVIDER_TYPE}_policy_check"

#: Set to 1 to stop the constructs from installing the provider launcher at synth.
NO_INSTALL_ENV = "POLICYGEN_NO_INSTALL_PROVIDER"
#: Set to the folder that `policygen package --out` wrote to make synth lock the self-contained package
#: instead of installing the development launcher (README, "The provider package").
PROVIDER_PACKAGE_ENV = "POLICYGEN_PROVIDER_PACKAGE"
