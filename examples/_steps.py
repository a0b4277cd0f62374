"""What the example scripts share: run one ``silkscope`` command as a user would type it."""

from __future__ import annotations

import shlex
import subprocess
import sys


def run(*args: object) -> None:
    """Run one silkscope command, printing it; exit with its code when it fails."""
    command = [sys.executable, "-m", "silkscope.cli", *map(str, args)]
    print("$ silkscope " + " ".join(shlex.quote(str(a)) for a in args), flush=True)
    code = subprocess.run(command, check=False).returncode
    if code != 0:
        print(f"step failed (exit {code}); the study folder keeps what the earlier steps wrote", flush=True)
        sys.exit(code)
