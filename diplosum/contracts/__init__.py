"""The data contracts: what the model returns (1) and what the brief is (2)."""
