"""KetchUp request plumbing: the API key header and the answer/error check."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from smsbridge.answers import Answer, Requester
from smsbridge.errors import ProviderError
from smsbridge_ketchup.errors import DUPLICATE_CODES, provider_error
from smsbridge_ketchup.parsing import _error_of
from smsbridge_ketchup.references import PROVIDER
from smsbridge_ketchup.settings import KetchupSettings

__all__ = ["ApiBase", "logger"]

logger = logging.getLogger("smsbridge.ketchup")


class ApiBase:
    """Requests to KetchUp: what every group of operations shares."""

    def __init__(self, transport: Callable[[], Requester], settings: KetchupSettings) -> None:
        self._transport = transport
        self.settings = settings

    # plumbing

    def request(self, method: str, path: str, *, operation: str, **kwargs: Any) -> Answer:
        """Make a request carrying the API key header."""
        headers = {"X-API-KEY": self.settings.api_key, **kwargs.pop("headers", {})}
        return self._transport().request(method, path, operation=operation, headers=headers,
                                         **kwargs)

    def check(self, response: Answer, module: str, *,
              duplicate_ok: bool = False) -> Any:
        """Parse a JSON answer and raise the provider's error when it reports one.

        ``duplicate_ok`` accepts a "reference exists" answer to a repeated request: the
        first attempt created the object and its answer was lost.
        """
        payload = response.json()
        try:
            error = _error_of(payload)
            if error is None and isinstance(payload, list) and len(payload) == 1:
                error = _error_of(payload[0])
        except ValueError as exc:
            raise response.unreadable(str(exc)) from exc
        if error is not None:
            code, description = error
            if duplicate_ok and code in DUPLICATE_CODES.get(module, ()):
                return payload
            raise self._refusal(response, module, code, description)
        if not response.ok:
            raise response.http_error()
        if not isinstance(payload, (Mapping, list)):
            raise response.invalid("the answer is not a JSON object")
        return payload

    def _item_error(self, response: Answer, module: str,
                    item: Mapping[str, Any]) -> ProviderError | None:
        error = _error_of(item)
        if error is None:
            return None
        code, description = error
        return self._refusal(response, module, code, description)

    @staticmethod
    def _refusal(response: Answer, module: str, code: int,
                 description: str | None) -> ProviderError:
        """The error for a provider code; its text is masked (providers echo requests)."""
        shown = response.redactor.text(description) if description is not None else None
        return provider_error(module, code, shown, provider=PROVIDER,
                              operation=response.operation, http_status=response.status_code,
                              body=response.redactor.text(response.content)[:500] or None)

