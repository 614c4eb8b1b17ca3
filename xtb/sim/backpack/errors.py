"""Backpack's two error shapes: JSON `{"code","message"}` for semantic errors, plain text for
parameter and body parse failures and unknown paths (spec §7.2)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

JSON_TYPE = "application/json"


def json_response(data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """A bare JSON body with sorted keys, as the venue's serializer writes them."""
    return web.Response(
        text=json.dumps(data, separators=(",", ":"), sort_keys=True),
        status=status,
        content_type=JSON_TYPE,
        charset="utf-8",
        headers=headers,
    )


def text_response(text: str, *, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/plain", charset="utf-8")


class VenueError(Exception):
    """An answer the venue gives instead of the result; handlers raise it, the route wrapper sends it."""

    status: int

    def response(self) -> web.Response:
        raise NotImplementedError


class ApiError(VenueError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> web.Response:
        return json_response({"code": self.code, "message": self.message}, status=self.status)


class PlainTextError(VenueError):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"{status} {text}")
        self.status = status
        self.text = text

    def response(self) -> web.Response:
        return text_response(self.text, status=self.status)


def param_error(name: str, type_name: str, problem: str | None = None) -> PlainTextError:
    """A query parameter or header the parameter parser refuses (missing when `problem` is None)."""
    reason = (
        f'Type "{type_name}" expects an input value.'
        if problem is None
        else f'failed to parse "{type_name}": {problem}'
    )
    return PlainTextError(400, f"failed to parse parameter `{name}`: {reason}")


def payload_error(detail: str) -> PlainTextError:
    return PlainTextError(400, f"parse request payload error: {detail}")


def field_error(type_name: str, problem: str, payload: str) -> PlainTextError:
    """A body field the payload parser refuses, in the venue's nesting of messages."""
    return payload_error(f'failed to parse "{type_name}": {problem} (occurred while parsing "{payload}")')


ENUM_PROBLEM = "Expect a valid enumeration value."


def invalid_request(message: str) -> ApiError:
    return ApiError(400, "INVALID_CLIENT_REQUEST", message)


def invalid_symbol() -> ApiError:
    return invalid_request("Invalid market symbol")


def not_found(status: int = 404) -> ApiError:
    return ApiError(status, "RESOURCE_NOT_FOUND", "Not Found")


def unauthorized() -> ApiError:
    return ApiError(401, "UNAUTHORIZED", "Unauthorized")
