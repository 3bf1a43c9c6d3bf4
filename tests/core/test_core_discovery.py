"""Drivers are found through real entry points of installed distributions.

The ``smsbridge-testdriver`` distribution (tests/testdriver) is installed in the test
environment by .ci/run and tox; these tests use its real entry points.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import smsbridge
from smsbridge.discovery import load_driver


def test_available_drivers_lists_installed_drivers_with_their_distribution() -> None:
    drivers = smsbridge.available_drivers()
    assert drivers["memory"].distribution == "smsbridge"
    assert drivers["memory"].version == smsbridge.__version__
    assert drivers["memory"].value == "smsbridge.memory:MemoryDriver"
    echo = drivers["testecho"]
    assert echo.distribution == "smsbridge-testdriver"
    assert echo.value == "smsbridge_testdriver:EchoDriver"


def test_available_drivers_imports_no_driver() -> None:
    code = (
        "import sys, smsbridge; smsbridge.available_drivers(); "
        "print(sorted(m for m in sys.modules if m.startswith('smsbridge_')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_connect_loads_only_the_named_driver() -> None:
    code = (
        "import sys, smsbridge; smsbridge.connect('testecho', login='a', password='b'); "
        "print(sorted(m for m in sys.modules if m.startswith('smsbridge_')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['smsbridge_testdriver']"


def test_a_driver_from_another_distribution_is_found_by_name() -> None:
    client = smsbridge.connect("testecho", login="acme", password="pw")
    assert type(client.driver).__module__ == "smsbridge_testdriver"
    assert client.capabilities == frozenset({"send", "status"})


def test_unknown_driver_names_installed_drivers_and_suggests_no_package() -> None:
    with pytest.raises(smsbridge.DriverNotFound) as caught:
        smsbridge.connect("nosuchprovider")
    message = str(caught.value)
    assert "'nosuchprovider'" in message
    assert "memory" in message and "testecho" in message
    # A package named after a made-up name is a typosquatting invitation.
    assert "pip install" not in message
    assert caught.value.installed == sorted(smsbridge.available_drivers())
    assert caught.value.suggestion is None


def test_a_misspelt_driver_gets_a_did_you_mean() -> None:
    with pytest.raises(smsbridge.DriverNotFound) as caught:
        smsbridge.connect("nikta://acme:s3cret@/")
    message = str(caught.value)
    assert "no smsbridge driver named 'nikta' is installed: did you mean 'nikita'?" in message
    assert "installed drivers: " in message and "memory" in message
    assert "pip install" not in message and "s3cret" not in message
    assert caught.value.suggestion == "nikita"


def test_only_the_bundled_drivers_get_a_pip_install_hint() -> None:
    not_installed = smsbridge.DriverNotFound("devino", ["memory"])
    assert ("install it with: pip install smsbridge-devino (from a clone of the repository: "
            "pip install ./smsbridge_devino)") in str(not_installed)
    misspelt = smsbridge.DriverNotFound("nikta", ["memory"])
    assert ("did you mean 'nikita'? (install it with: pip install smsbridge-nikita, or from a "
            "clone of the repository: pip install ./smsbridge_nikita)") in str(misspelt)
    assert "pip install" not in str(smsbridge.DriverNotFound("acmesms", ["memory"]))


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:36797 (Ctrl-C to stop).",
                                      "127.0.0.1:8000/api", "ftp://files.example.com/api",
                                      "https://", "http://acme:s3cret@/api"])
def test_a_base_url_that_is_no_web_address_is_a_config_error(base_url: str) -> None:
    with pytest.raises(smsbridge.ConfigError) as caught:
        smsbridge.connect("testecho", login="acme", password="pw", base_url=base_url)
    message = str(caught.value)
    assert message.startswith("setting 'base_url' for driver 'testecho' must be an http(s) URL "
                              "with a host (https://host/path), got ")
    assert caught.value.key == "base_url"
    assert "s3cret" not in message


@pytest.mark.parametrize("target", ["http://acme:s3cret@127.0.0.1:8000/api",
                                    "https://smspro.nikita.kg/api"])
def test_a_web_address_is_a_config_error_that_shows_a_driver_url(target: str) -> None:
    with pytest.raises(smsbridge.ConfigError) as caught:
        smsbridge.connect(target)
    message = str(caught.value)
    assert not isinstance(caught.value, smsbridge.DriverNotFound)
    assert "is not a driver: a smsbridge URL names its driver in the scheme" in message
    assert "nikita+http" in message and "installed drivers: " in message
    assert "pip install" not in message and "s3cret" not in message
    with pytest.raises(smsbridge.ConfigError, match="is not a driver"):
        smsbridge.from_env({"SMSBRIDGE_URL": target})


def test_a_driver_whose_import_fails_raises_an_error_chained_to_the_cause() -> None:
    with pytest.raises(smsbridge.DriverError) as caught:
        load_driver("testbroken")
    assert isinstance(caught.value.__cause__, ImportError)
    assert "smsbridge-testdriver" in str(caught.value)
    assert "smsbridge_testdriver_missing_dependency" in str(caught.value)
