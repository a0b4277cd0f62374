"""``silkscope report`` on the built-in demo, cold (a new process each run, as a user runs it),
in English and Chinese, against ``silkscope --help`` in a new process as the start-up baseline.
Target (issue 7): under 30 s cold.

Run: .venv/bin/python -m benchmarks report
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = str(Path(sys.executable).with_name("silkscope"))


def _cold(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([CLI, *args], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = min(_cold(["--help"]) for _ in range(3))
        print("silkscope report on the demo, cold (best of 2)")
        print(f"  silkscope --help (start-up baseline): {base:5.1f} s")
        for lang in ("en", "zh"):
            took = min(_cold(["report", "--lang", lang, "--out", f"{tmp}/{lang}"]) for _ in range(2))
            size = (Path(tmp) / lang / "report.html").stat().st_size / 1e6
            print(
                f"  report --lang {lang}: {took:5.1f} s ({took / base:.0f}x start-up), report.html {size:.1f} MB"
            )


if __name__ == "__main__":
    main()
