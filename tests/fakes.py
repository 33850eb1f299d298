"""A fake ExtractionBackend that answers from a dict and records every request."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from diplosum.errors import ModelError
from diplosum.llm.base import CallStats, ExtractionRequest, ModelReply


class FakeBackend:
    def __init__(
        self, answers: Mapping[str, Any], *, model: str = "fake-model", default: Any = None
    ) -> None:
        self.answers = dict(answers)
        self.model = model
        self.default = default
        self.requests: list[ExtractionRequest] = []

    async def extract(self, request: ExtractionRequest) -> ModelReply:
        self.requests.append(request)
        answer = self.answers.get(request.article_id, self.default)
        if answer is None:
            raise ModelError(f"fake has no answer for {request.article_id}")
        if isinstance(answer, BaseException):
            raise answer
        content = answer if isinstance(answer, str) else json.dumps(answer)
        return ModelReply(
            content=content,
            model=self.model,
            stats=CallStats(calls=1, prompt_tokens=100, completion_tokens=50),
        )
