"""Run in a fresh interpreter by test_bombs.py: parse one hostile workbook with one of the product's
readers and print {"error": exception class, "seconds": wall time, "peak_mb": peak RSS} as JSON.
Only the parsing layer runs here (no database): every reader must refuse before touching it."""

import io
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prioritization.settings")

import django

django.setup()


def peak_mb() -> float:
    """This process's resident-set high-water mark. VmHWM belongs to the address space created by
    exec (ru_maxrss would carry over the forking pytest process's peak on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # (not Linux)


def main(target: str, path: str) -> dict:
    data = Path(path).read_bytes()
    started = time.process_time()
    error = None
    try:
        if target == "customers":
            from prospects.excel.reader import open_basic_info

            sheet = open_basic_info(path)
            for _row in sheet.rows():
                pass
        elif target == "scoresheet":
            from prioritization.services.workbooks import scoresheet_read

            scoresheet_read(io.BytesIO(data), actor=None, unit=None, version=None)
        elif target == "criteria":
            from criteria.excel import version_workbook_read

            version_workbook_read(data)
    except Exception as exc:  # reported, judged by the test
        error = type(exc).__name__
    return {
        "error": error,
        "seconds": time.process_time() - started,
        "peak_mb": peak_mb(),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
