"""What the tests, the demo and the benchmarks share: an environment that talks only to the embedded
endpoint (:mod:`.sandbox`).

May import: the standard library only. Nothing in policygen imports it: it is for the project's own
tests, scripts and benchmarks.
"""
