"""Where the command line connects: --url, the environment, config files; secrets."""

from __future__ import annotations

import textwrap

import pytest

from smsbridge.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE

SECRET = "pw-Sup3rSecret"


def _config(tmp_path, text: str):
    path = tmp_path / "smsbridge.ini"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def test_url_option(run):
    result = run("--url", "memory://?balance=7.5", "balance")
    assert result.code == EXIT_OK
    assert result.out == "Balance: 7.5\n"


def test_environment_url(run, monkeypatch):
    monkeypatch.setenv("SMSBRIDGE_URL", "memory://")
    monkeypatch.setenv("SMSBRIDGE_BALANCE", "3")
    assert run("balance").out == "Balance: 3\n"


def test_environment_driver_and_settings(run, monkeypatch, clitest):
    monkeypatch.setenv("SMSBRIDGE_DRIVER", "clitest")
    monkeypatch.setenv("SMSBRIDGE_LOGIN", "acme")
    monkeypatch.setenv("SMSBRIDGE_PASSWORD", SECRET)
    result = run("balance", "--json")
    assert result.code == EXIT_OK
    assert result.json["balance"] == {"amount": "12.50", "currency": "KGS",
                                      "credit_limit": "5"}


def test_url_option_takes_settings_from_the_environment(run, monkeypatch, clitest):
    monkeypatch.setenv("SMSBRIDGE_PASSWORD", SECRET)
    monkeypatch.setenv("SMSBRIDGE_URL", "memory://")  # --url wins over the variable
    result = run("--url", "clitest://acme@", "balance")
    assert result.code == EXIT_OK
    assert result.out.startswith("Balance: 12.50 KGS")


def test_url_option_wins_over_config(run, tmp_path):
    path = _config(tmp_path, "[a]\ndriver = memory\nbalance = 1\n")
    assert run("--url", "memory://?balance=2", "--config", path, "balance").out == (
        "Balance: 2\n")


def test_unknown_setting_in_the_environment(run, monkeypatch):
    monkeypatch.setenv("SMSBRIDGE_URL", "memory://")
    monkeypatch.setenv("SMSBRIDGE_PASSWORD", SECRET)
    result = run("balance")
    assert result.code == EXIT_USAGE
    assert "ConfigError: unknown setting SMSBRIDGE_PASSWORD for driver 'memory'" in result.err
    assert SECRET not in result.text


def test_config_file_with_one_section(run, tmp_path):
    path = _config(tmp_path, """
        [sandbox]
        driver = memory
        balance = 42
    """)
    assert run("--config", path, "balance").out == "Balance: 42\n"


def test_config_file_sections_and_provider(run, tmp_path, monkeypatch, clitest):
    monkeypatch.setenv("CLITEST_PASSWORD", SECRET)
    path = _config(tmp_path, """
        [DEFAULT]
        timeout = 5

        [sandbox]
        driver = memory
        balance = 42

        [production]
        url = clitest://acme@
        password = ${CLITEST_PASSWORD}
        sender = ACME
    """)
    assert run("--config", path, "--provider", "sandbox", "balance").out == "Balance: 42\n"
    result = run("--config", path, "--provider", "production", "balance")
    assert result.code == EXIT_OK
    assert result.out.startswith("Balance: 12.50 KGS")


def test_config_file_from_the_environment(run, tmp_path, monkeypatch):
    path = _config(tmp_path, "[a]\ndriver = memory\nbalance = 1\n[b]\ndriver = memory\n"
                             "balance = 2\n")
    monkeypatch.setenv("SMSBRIDGE_CONFIG", path)
    monkeypatch.setenv("SMSBRIDGE_PROVIDER", "b")
    assert run("balance").out == "Balance: 2\n"
    assert run("--provider", "a", "balance").out == "Balance: 1\n"


def test_config_file_needs_a_provider_when_it_has_several(run, tmp_path):
    path = _config(tmp_path, "[a]\ndriver = memory\n[b]\ndriver = memory\n")
    result = run("--config", path, "balance")
    assert result.code == EXIT_USAGE
    assert "several providers (a, b); pick one with --provider NAME" in result.err


def test_config_file_unknown_provider(run, tmp_path):
    path = _config(tmp_path, "[a]\ndriver = memory\n")
    result = run("--config", path, "--provider", "zzz", "balance")
    assert result.code == EXIT_USAGE
    assert "has no provider [zzz]; it has: a" in result.err


def test_provider_without_a_config_file(run):
    result = run("--provider", "a", "balance")
    assert result.code == EXIT_USAGE
    assert "--provider needs a config file" in result.err


def test_config_file_missing_variable(run, tmp_path, clitest):
    path = _config(tmp_path, "[p]\nurl = clitest://acme@\npassword = ${NOT_SET_ANYWHERE}\n")
    result = run("--config", path, "balance")
    assert result.code == EXIT_USAGE
    assert "environment variable NOT_SET_ANYWHERE is not set" in result.err


def test_config_file_dollar_escape(tmp_path):
    from smsbridge.cli.connection import read_config_section

    path = _config(tmp_path, "[p]\ndriver = memory\nsender = $$ACME\n")
    assert read_config_section(path, None, {}) == ("p", {"driver": "memory",
                                                         "sender": "$ACME"})


def test_config_file_without_driver(run, tmp_path):
    path = _config(tmp_path, "[p]\nbalance = 1\n")
    result = run("--config", path, "balance")
    assert result.code == EXIT_USAGE
    assert "[p] names no 'driver'" in result.err


@pytest.mark.parametrize("text", ["password = oops-no-section\n", "[p]\nthis line is odd\n",
                                  ""])
def test_malformed_config_files(run, tmp_path, text):
    path = _config(tmp_path, text)
    result = run("--config", path, "balance")
    assert result.code == EXIT_USAGE
    assert "ConfigError" in result.err
    assert "oops-no-section" not in result.err  # the offending line may hold a secret


def test_missing_config_file(run, tmp_path):
    result = run("--config", str(tmp_path / "none.ini"), "balance")
    assert result.code == EXIT_USAGE
    assert "cannot read config file" in result.err


# -- secrets ---------------------------------------------------------------------------


def test_password_from_the_environment_is_never_printed(run, monkeypatch, clitest):
    monkeypatch.setenv("SMSBRIDGE_URL", "clitest://acme@")
    monkeypatch.setenv("SMSBRIDGE_PASSWORD", SECRET)
    outputs = []
    for args in (
        ("send", "--to", "996550123456", "--text", "leak"),  # the provider echoes it
        ("send", "--to", "996550123456", "--text", "leak", "--json"),
        ("send", "--to", "996550123456", "--text", "hi", "-vv"),
        ("balance", "--json"),
        ("drivers",),
        ("drivers", "--json"),
        ("status", "c-1-0", "missing", "--json"),
    ):
        result = run(*args)
        outputs.append(result.text)
    assert "ProviderError (clitest/send, code 3): bad credentials for password ***" in (
        outputs[0])
    for text in outputs:
        assert SECRET not in text


def test_password_in_a_url_is_never_printed(run, clitest):
    result = run("--url", f"clitest://acme:{SECRET}@", "send", "--to", "996550123456",
                 "--text", "leak")
    assert result.code == EXIT_FAILED
    assert SECRET not in result.text


def test_password_in_a_config_file_is_never_printed(run, tmp_path, clitest):
    path = _config(tmp_path, f"[p]\ndriver = clitest\nlogin = acme\npassword = {SECRET}\n")
    result = run("--config", path, "send", "--to", "996550123456", "--text", "leak",
                 "--json")
    assert result.code == EXIT_FAILED
    assert SECRET not in result.text


def test_malformed_secret_setting_is_masked(run, monkeypatch, clitest):
    monkeypatch.setenv("SMSBRIDGE_URL", "clitest://acme@?timeout=abc")
    monkeypatch.setenv("SMSBRIDGE_PASSWORD", SECRET)
    result = run("balance")
    assert result.code == EXIT_USAGE
    assert "ConfigError: setting 'timeout'" in result.err
    assert SECRET not in result.text


def test_inline_comments_are_not_part_of_values(tmp_path):
    from smsbridge.cli.connection import read_config_section

    path = _config(tmp_path, """\
        [DEFAULT]
        timeout = 20        ; applies to every section
        [p]
        driver = memory     # the test driver
        password = ${PW}    ; from the environment
        sender = A;B
        """)
    assert read_config_section(path, None, {"PW": "s3cret"}) == ("p", {
        "timeout": "20", "driver": "memory", "password": "s3cret", "sender": "A;B"})


def test_docs_config_example_reads_as_written(tmp_path):
    """The INI example of docs/cli.md, taken literally."""
    import re
    from pathlib import Path

    from smsbridge.cli.connection import read_config_section

    docs = (Path(__file__).parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    example = re.search(r"```ini\n(.*?)```", docs, re.S)
    assert example is not None
    path = tmp_path / "sms.ini"
    path.write_text(example.group(1), encoding="utf-8")
    _, values = read_config_section(str(path), "nikita", {"NIKITA_PASSWORD": "pw"})
    assert values == {"timeout": "20", "driver": "nikita", "login": "acme",
                      "password": "pw", "sender": "ACME"}
    assert read_config_section(str(path), "sandbox", {})[1] == {"timeout": "20",
                                                                "url": "memory://"}
