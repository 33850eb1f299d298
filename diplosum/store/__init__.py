"""Stores of model responses keyed by request fingerprint: recordings and the cache."""
