"""Building the SDK client for a run, and taking one from the caller.

- ``build_client(settings)``: an ``AsyncAzureOpenAI`` when Azure is configured
  (``ClientSettings.resolved_azure_endpoint``), else an ``AsyncOpenAI``. Either way
  the SDK's own retries are off (diplosum retries, see ``diplosum.llm.retry``).
- ``as_async_client(client)``: a caller's ``AsyncOpenAI``/``AsyncAzureOpenAI`` as
  is, or a sync ``OpenAI``/``AzureOpenAI`` turned into its async twin with the same
  endpoint, key, API version, headers and query (the sync client's HTTP
  connection pool cannot serve async requests).

Nothing here logs; keys stay inside the SDK clients.
"""

from __future__ import annotations

from dataclasses import dataclass

import openai
from openai import AsyncAzureOpenAI, AsyncOpenAI, AzureOpenAI, OpenAI

from diplosum.errors import ConfigurationError
from diplosum.llm.settings import ClientSettings

#: What ``brief(client=...)`` accepts besides ``ClientSettings``.
SDKClient = AsyncOpenAI | OpenAI


@dataclass(frozen=True)
class BuiltClient:
    """An SDK client, and the key it sends (kept to redact it from messages)."""

    client: AsyncOpenAI
    secret: str | None


def build_client(settings: ClientSettings) -> BuiltClient:
    """The SDK client ``settings`` describe (see ``ClientSettings``)."""
    timeout = openai.Timeout(settings.request_timeout, connect=settings.connect_timeout)
    headers = dict(settings.default_headers) or None
    azure_endpoint = settings.resolved_azure_endpoint()
    if azure_endpoint is not None:
        key = settings.resolved_azure_key()
        azure = AsyncAzureOpenAI(
            azure_endpoint=azure_endpoint,
            api_version=settings.resolved_api_version(),
            api_key=key,
            timeout=timeout,
            max_retries=0,
            default_headers=headers,
        )
        return BuiltClient(azure, key)
    key = settings.resolved_api_key()
    plain = AsyncOpenAI(
        api_key=key,
        base_url=settings.resolved_base_url(),
        timeout=timeout,
        max_retries=0,
        default_headers=headers,
    )
    return BuiltClient(plain, key)


def as_async_client(client: SDKClient) -> AsyncOpenAI:
    """``client`` as an async client without SDK retries (see the module docstring)."""
    if isinstance(client, AsyncOpenAI):
        return client if client.max_retries == 0 else client.with_options(max_retries=0)
    if not isinstance(client, OpenAI):
        raise ConfigurationError(
            f"client must be ClientSettings or an openai client, not {type(client).__name__}"
        )
    headers = dict(client._custom_headers) or None
    query = dict(client._custom_query) or None
    if isinstance(client, AzureOpenAI):
        if client._azure_ad_token_provider is not None:
            raise ConfigurationError(
                "a sync AzureOpenAI with azure_ad_token_provider cannot be used from async "
                "code: pass an AsyncAzureOpenAI with an async token provider instead"
            )
        return AsyncAzureOpenAI(
            base_url=str(client.base_url),
            api_version=client._api_version,
            api_key=client.api_key if client._azure_ad_token is None else None,
            azure_ad_token=client._azure_ad_token,
            organization=client.organization,
            project=client.project,
            timeout=client.timeout,
            max_retries=0,
            default_headers=headers,
            default_query=query,
        )
    return AsyncOpenAI(
        api_key=client.api_key,
        base_url=str(client.base_url),
        organization=client.organization,
        project=client.project,
        timeout=client.timeout,
        max_retries=0,
        default_headers=headers,
        default_query=query,
    )
