"""What every tessel command line does around its work: exit statuses, and no raw tracebacks."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn


def run_command(prog: str, body: Callable[[], int]) -> NoReturn:
    """Exit with `body()`'s status: 0 also when the reader of stdout stops early, 130 on Ctrl-C, and 2 with a
    one-line report for any unexpected exception (TESSEL_TRACEBACK=1 shows the traceback)."""
    try:
        status = body()
    except BrokenPipeError:
        # the reader (e.g. FileCheck) stopped early; nothing more to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = 0
    except KeyboardInterrupt:
        status = 130
    except Exception as err:  # the CLI never shows a raw traceback
        if os.environ.get("TESSEL_TRACEBACK"):
            raise
        sys.stderr.write(
            f"{prog}: internal error: {type(err).__name__}: {err}\n"
            "(this is a bug in tessel; rerun with TESSEL_TRACEBACK=1 to see where)\n"
        )
        status = 2
    sys.exit(status)
