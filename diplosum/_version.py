"""The version, in one place: pyproject.toml reads it from here (hatch's version source),
so importing diplosum does not read package metadata."""

__version__ = "0.1.0"
