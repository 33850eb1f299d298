"""Renderers: a Brief in, text out. Pure functions, no I/O."""
