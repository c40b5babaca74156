"""Tests of the embedded Access Analyzer endpoint (a package, so module names never clash)."""
