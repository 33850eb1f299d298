"""The model edge: one narrow interface (``ExtractionBackend``) and its implementations."""
