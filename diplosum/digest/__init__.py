"""The daily digest: feeds and folders in, one digest a day out, never twice, never lost.

``run_digest(load_config(...))`` is what ``diplosum digest`` runs; see ``run``.
"""

from diplosum.digest.config import DigestConfig, load_config
from diplosum.digest.run import DigestResult, arun_digest, run_digest

__all__ = ["DigestConfig", "DigestResult", "arun_digest", "load_config", "run_digest"]
