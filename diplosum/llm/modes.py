"""The three structured-output modes: how to ask, and how to read the answer.

- ``json_schema``: strict JSON schema: the ``response_format`` the SDK's ``parse``
  API builds from ``ArticleExtraction``, built once and sent with ``create`` (``parse``
  rebuilds the schema for every request); the content is validated here.
- ``json_object``: ``response_format={"type": "json_object"}`` with the JSON schema
  appended to the system prompt; the content is validated here with pydantic (a
  single surrounding Markdown code fence is tolerated).
- ``tools``: one forced function call built with ``openai.pydantic_function_tool``;
  the SDK validates the arguments.

Whatever the mode, the result is the same validated ``ArticleExtraction``, or an
``Outcome`` that says what was wrong and which messages to append to re-ask.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pydantic

from diplosum.contracts.extraction import ArticleExtraction
from diplosum.errors import ModelError
from diplosum.llm.base import ExtractionRequest, Mode
from diplosum.llm.models import sampling
from diplosum.llm.tokens import TokenCount, count_tokens, rough_json_tokens, rough_tokens

if TYPE_CHECKING:  # the SDK is imported when a request is sent, not before
    import openai
    from openai import AsyncOpenAI
    from openai._legacy_response import LegacyAPIResponse
    from openai.types.chat import (
        ChatCompletion,
        ChatCompletionAssistantMessageParam,
        ChatCompletionFunctionToolParam,
        ChatCompletionMessageParam,
        ChatCompletionNamedToolChoiceParam,
    )
    from openai.types.shared_params import ResponseFormatJSONSchema

#: The function ``tools`` mode forces (``openai.pydantic_function_tool``'s default name).
TOOL_NAME: str = ArticleExtraction.__name__
TOOL_CHOICE: ChatCompletionNamedToolChoiceParam = {
    "type": "function",
    "function": {"name": TOOL_NAME},
}


#: Short: the system prompt says what to extract, the parameters' schema how (this is
#: part of the fixed prefix of every tools-mode request).
TOOL_DESCRIPTION = "Report the article's events."


@functools.cache
def tool() -> ChatCompletionFunctionToolParam:
    """The ``tools`` mode function, built by the SDK (imported on first use)."""
    import openai

    built = openai.pydantic_function_tool(ArticleExtraction, description=TOOL_DESCRIPTION)
    assert built["function"]["name"] == TOOL_NAME
    return built


@functools.cache
def response_format() -> ResponseFormatJSONSchema:
    """The ``json_schema`` mode response format: what the SDK's ``parse`` makes of
    ``response_format=ArticleExtraction`` (strict), built once. Given the class, the
    SDK regenerates the JSON schema for every request (milliseconds of CPU each, all
    before the first request of a run is out)."""
    from openai import Omit
    from openai.lib._parsing._completions import type_to_response_format_param

    built = type_to_response_format_param(ArticleExtraction)
    if isinstance(built, Omit) or built["type"] != "json_schema":  # pragma: no cover - SDK
        raise AssertionError(f"unexpected response format from the SDK: {built!r}")
    return built


#: Appended to the system prompt in ``json_object`` mode.
JSON_OBJECT_INSTRUCTIONS = (
    "\n\nReply with one JSON object, and nothing else (no prose, no Markdown), that "
    "validates against this JSON Schema:\n"
)

_MAX_PROBLEM_CHARS = 2000
_MAX_LISTED_ERRORS = 20
_FENCE = re.compile(r"\A\s*```[A-Za-z0-9_-]*[ \t]*\n(?P<body>.*?)\n?```\s*\Z", re.DOTALL)


def schema_text() -> str:
    """The ArticleExtraction JSON schema, compact, for the ``json_object`` prompt."""
    return json.dumps(ArticleExtraction.model_json_schema(), separators=(",", ":"))


def system_prompt(request: ExtractionRequest) -> str:
    """The system prompt as sent in ``request.mode``."""
    if request.mode == "json_object":
        return request.system_prompt + JSON_OBJECT_INSTRUCTIONS + schema_text()
    return request.system_prompt


#: Tokens the chat format adds for each message, and once more to start the reply
#: (OpenAI's published rule for its chat models; other servers are close to it).
MESSAGE_OVERHEAD_TOKENS = 3


@functools.cache
def _schema_tokens(encoding: str) -> int:
    return count_tokens(schema_text(), encoding=encoding).tokens


def prompt_tokens(request: ExtractionRequest, *, encoding: str | None = None) -> TokenCount:
    """Tokens of the prompt as the server counts them, counted offline: the two messages
    as sent in ``request.mode``, the chat format's overhead, and in ``json_schema`` and
    ``tools`` mode the schema sent beside the messages (the server counts it as input
    too; counted here as its compact JSON, a close approximation of what it injects)."""
    counted = count_tokens(
        system_prompt(request) + "\n" + request.user_prompt, request.model, encoding=encoding
    )
    extra = 3 * MESSAGE_OVERHEAD_TOKENS
    if request.mode in ("json_schema", "tools"):
        extra += _schema_tokens(counted.encoding)
    return TokenCount(counted.tokens + extra, counted.encoding)


@functools.cache
def _rough_schema_tokens() -> int:
    return rough_json_tokens(schema_text())


def rough_prompt_tokens(request: ExtractionRequest) -> int:
    """``prompt_tokens`` by ``tokens.rough_tokens`` (the schema by ``rough_json_tokens``,
    whether beside the messages or, in json_object mode, in the system prompt): no
    encoding loaded."""
    tokens = rough_tokens(request.system_prompt + "\n" + request.user_prompt)
    tokens += 3 * MESSAGE_OVERHEAD_TOKENS + _rough_schema_tokens()
    if request.mode == "json_object":
        tokens += rough_tokens(JSON_OBJECT_INSTRUCTIONS)
    return tokens


def initial_messages(request: ExtractionRequest) -> list[ChatCompletionMessageParam]:
    """The first request's conversation: system prompt (per mode) and the user prompt."""
    return [
        {"role": "system", "content": system_prompt(request)},
        {"role": "user", "content": request.user_prompt},
    ]


@dataclass(frozen=True)
class SendOptions:
    """Request parameters that do not change the answer's fingerprint.

    ``max_completion_tokens`` caps the answer (None: no cap; ``max_tokens`` is never
    sent); ``prompt_cache_key`` routes requests sharing a prompt prefix to the same
    provider cache (None: not sent).
    """

    max_completion_tokens: int | None = None
    prompt_cache_key: str | None = None


def sent_temperature(request: ExtractionRequest) -> float | None:
    """The temperature sent for ``request``: None (left out) where the model family
    does not accept one (see ``diplosum.llm.models.sampling``)."""
    value = sampling(request.model, request.temperature)["temperature"]
    return float(value) if value is not None else None


async def send(
    client: AsyncOpenAI,
    request: ExtractionRequest,
    messages: list[ChatCompletionMessageParam],
    *,
    timeout: float | openai.Timeout,
    options: SendOptions | None = None,
) -> LegacyAPIResponse[Any]:
    """One HTTP request in ``request.mode``; the raw response (not parsed yet).

    ``request.mode`` is a mode as sent (``auto`` is resolved by the backend).
    Raises the SDK's exceptions (status errors, timeouts, connection errors).
    """
    from openai import omit

    opts = options or SendOptions()
    sent = sent_temperature(request)
    temperature = sent if sent is not None else omit
    max_completion_tokens = (
        opts.max_completion_tokens if opts.max_completion_tokens is not None else omit
    )
    prompt_cache_key = opts.prompt_cache_key if opts.prompt_cache_key is not None else omit
    completions = client.chat.completions.with_raw_response
    # In json_schema mode the schema goes in ``extra_body``: the same JSON on the wire,
    # but the SDK does not walk its every node against the parameter types on each
    # request (the largest CPU item of a run otherwise; the schema is plain JSON, there
    # is nothing to convert).
    if request.mode == "json_schema":
        return await completions.create(
            model=request.model,
            messages=messages,
            temperature=temperature,
            max_completion_tokens=max_completion_tokens,
            prompt_cache_key=prompt_cache_key,
            timeout=timeout,
            extra_body={"response_format": response_format()},
        )
    if request.mode == "tools":
        return await completions.parse(
            model=request.model,
            messages=messages,
            tools=[tool()],
            tool_choice=TOOL_CHOICE,
            temperature=temperature,
            max_completion_tokens=max_completion_tokens,
            prompt_cache_key=prompt_cache_key,
            timeout=timeout,
        )
    if request.mode == "json_object":
        return await completions.create(
            model=request.model,
            messages=messages,
            response_format={"type": "json_object"},
            temperature=temperature,
            max_completion_tokens=max_completion_tokens,
            prompt_cache_key=prompt_cache_key,
            timeout=timeout,
        )
    raise ModelError(f"structured-output mode {request.mode!r} cannot be sent as such")


class MalformedResponse(ValueError):
    """A 2xx response whose body is not a chat completion."""


def plain_completion(raw: LegacyAPIResponse[Any]) -> ChatCompletion:
    """The response as a lenient ``ChatCompletion`` (no SDK parsing or validation)."""
    from openai.types.chat import ChatCompletion

    try:
        body = raw.http_response.json()
    except ValueError as exc:
        raise MalformedResponse("response body is not JSON") from exc
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        raise MalformedResponse("response body is not a chat completion (no choices)")
    if not body["choices"]:
        raise MalformedResponse("chat completion has no choices")
    return ChatCompletion.construct(**body)


@dataclass(frozen=True)
class Outcome:
    """What one answer amounted to.

    Either ``extraction`` is set, or ``problem`` says what was wrong and
    ``followup`` holds the messages to append (the model's answer, then the
    correction request) before asking again. ``output`` is what the model said.
    """

    extraction: ArticleExtraction | None
    output: str | None
    problem: str | None = None
    followup: list[ChatCompletionMessageParam] = field(default_factory=list)


def describe_validation_error(exc: pydantic.ValidationError) -> str:
    """A short, model-readable list of what failed validation (no input echoed)."""
    lines = []
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    for error in errors[:_MAX_LISTED_ERRORS]:
        loc = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"- {loc}: {error['msg']}")
    if len(errors) > _MAX_LISTED_ERRORS:
        lines.append(f"- ... and {len(errors) - _MAX_LISTED_ERRORS} more errors")
    return _clip("\n".join(lines))


def _clip(text: str) -> str:
    if len(text) <= _MAX_PROBLEM_CHARS:
        return text
    return text[:_MAX_PROBLEM_CHARS] + " [...]"


def _correction(problem: str) -> str:
    return (
        "Your previous reply was not acceptable:\n"
        f"{problem}\n"
        "Reply again with the complete, corrected extraction as one JSON object that "
        "matches the required schema."
    )


def _strip_fence(text: str) -> str:
    match = _FENCE.match(text)
    return match.group("body") if match else text


def _content_outcome(output: str | None, problem: str) -> Outcome:
    return Outcome(
        extraction=None,
        output=output,
        problem=problem,
        followup=[
            {"role": "assistant", "content": output or ""},
            {"role": "user", "content": _correction(problem)},
        ],
    )


def _finish_problem(completion: ChatCompletion) -> str | None:
    reason = completion.choices[0].finish_reason
    if reason == "content_filter":
        raise ModelError("the provider's content filter stopped the reply", retryable=False)
    if reason == "length":
        return (
            "- the reply was cut off at the length limit (finish_reason=length); "
            "keep evidence quotes short and leave out minor details"
        )
    return None


def interpret(raw: LegacyAPIResponse[Any], completion: ChatCompletion, mode: Mode) -> Outcome:
    """Turn one 2xx response into an ``Outcome`` (``completion`` is ``plain_completion(raw)``).

    Raises ``ModelError`` (not retryable) when the provider's content filter blocked
    the reply: asking again would not help.
    """
    if mode == "tools":
        return _interpret_tools(raw, completion)
    message = completion.choices[0].message
    output = message.content if message.content is not None else message.refusal
    length_problem = _finish_problem(completion)
    if length_problem is not None:
        return _content_outcome(output, length_problem)
    if message.refusal:
        return _content_outcome(output, f"- you refused: {_clip(message.refusal)}")
    if not message.content:
        return _content_outcome(output, "- the reply was empty")
    # json_schema: validated as the SDK would (``model_validate_json`` of the content).
    text = message.content if mode == "json_schema" else _strip_fence(message.content)
    try:
        extraction = ArticleExtraction.model_validate_json(text)
    except pydantic.ValidationError as exc:
        return _content_outcome(output, describe_validation_error(exc))
    return Outcome(extraction=extraction, output=output)


def _interpret_tools(raw: LegacyAPIResponse[Any], completion: ChatCompletion) -> Outcome:
    message = completion.choices[0].message
    calls = [c for c in (message.tool_calls or []) if c.type == "function"]
    ours = [c for c in calls if c.function.name == TOOL_NAME]
    if not ours:
        output = message.content if message.content is not None else message.refusal
        problem = f"- you did not call the function {TOOL_NAME}"
        if calls:
            names = ", ".join(sorted({c.function.name for c in calls}))
            problem += f" (you called: {names})"
        return _content_outcome(output, problem)
    call = ours[0]
    output = call.function.arguments

    def outcome(problem: str) -> Outcome:
        answer: ChatCompletionAssistantMessageParam = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.function.name, "arguments": c.function.arguments},
                }
                for c in calls
            ],
        }
        replies: list[ChatCompletionMessageParam] = [
            {"role": "tool", "tool_call_id": c.id, "content": _correction(problem)} for c in calls
        ]
        return Outcome(extraction=None, output=output, problem=problem, followup=[answer, *replies])

    length_problem = _finish_problem(completion)
    if length_problem is not None:
        return outcome(length_problem)
    try:
        parsed = raw.parse()
    except pydantic.ValidationError as exc:
        return outcome(describe_validation_error(exc))
    parsed_calls = parsed.choices[0].message.tool_calls or []
    for parsed_call in parsed_calls:
        arguments = getattr(parsed_call.function, "parsed_arguments", None)
        if isinstance(arguments, ArticleExtraction):
            return Outcome(extraction=arguments, output=output)
    return outcome("- the function arguments could not be parsed")  # pragma: no cover
