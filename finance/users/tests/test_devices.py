"""Device names from User-Agent headers."""

from __future__ import annotations

import pytest

from finance.users.devices import device_name


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            "Chrome 120 on Windows 10",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36",
            "Chrome Mobile 120 on Android 14 (Pixel 8)",
        ),
        ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Ubuntu"),
        ("curl/8.5.0", "curl 8"),
        ("", "Unknown device"),
        ("x" * 1000, "x" * 200),
    ],
)
def test_device_name(user_agent, expected):
    assert device_name(user_agent) == expected
