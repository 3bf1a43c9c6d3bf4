"""The ``smsbridge`` command line (``pip install smsbridge[cli]`` adds its progress bar).

::

    smsbridge demo
    smsbridge --url memory:// send --to +996550123456 --text hello
    smsbridge --json --config sms.ini --provider nikita balance

:func:`main` takes the arguments and returns the exit code, so the command line can be
run (and tested) in-process.
"""

from __future__ import annotations

from smsbridge.cli.app import main
from smsbridge.cli.output import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_TRANSPORT,
    EXIT_USAGE,
)

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TIMEOUT",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "main",
]
