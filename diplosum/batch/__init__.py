"""Batch API runs: submit the requests the cache lacks, collect the answers later.

- ``submit``: JSONL files of the requests (split at the API's limits), uploaded and
  submitted, every step recorded in the batch store (``diplosum.store.batches``).
- ``collect``: finished batches read back; answers validated like live ones and put
  into the response cache; failed lines retried live or resubmitted; expired or
  cancelled batches resubmitted for what is missing.
- ``plan``: the requests a brief would send (the pipeline's own planning).
- ``command``: ``diplosum brief --batch`` and ``diplosum batch status|collect``;
  ``digest``: the hooks of ``diplosum digest --batch``.
"""
