"""A readable device name from a User-Agent header, e.g. "Chrome 120 on Windows 10"."""

from __future__ import annotations

import functools

import ua_parser

MAX_LENGTH = 200


def _named(family: str | None, major: str | None = None) -> str:
    if not family or family == "Other":
        return ""
    return f"{family} {major}" if major else family


@functools.lru_cache(maxsize=1024)
def device_name(user_agent: str) -> str:
    """Browser and operating system (and the device when known); "Unknown device" otherwise."""
    if not user_agent:
        return "Unknown device"
    parsed = ua_parser.parse(user_agent[:512]).with_defaults()
    browser = _named(parsed.user_agent.family, parsed.user_agent.major)
    system = _named(parsed.os.family, parsed.os.major)
    device = _named(parsed.device.family)
    if device and device not in system:
        system = f"{system} ({device})" if system else device
    name = f"{browser} on {system}" if browser and system else browser or system or user_agent.split(" ", 1)[0]
    return name[:MAX_LENGTH] or "Unknown device"
