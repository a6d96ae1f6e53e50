"""Generates the typed API package from a running service's OpenAPI document (openapi-python-client, pinned in
requirements.txt, its settings in openapi-python-client.yaml). Used by generate.sh and by tests/test_generated.py,
which regenerates into a temporary directory and compares, so a stale package fails the tests.

    python tools/regenerate.py QUILL_URL OUTPUT_DIR
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent.parent
CONFIG = HERE / "openapi-python-client.yaml"


def generate(base_url: str, out: Path) -> None:
    """Writes the package for base_url's /openapi.json into out (replacing it)."""
    document = httpx.get(f"{base_url.rstrip('/')}/openapi.json", timeout=30).raise_for_status().text
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "openapi.json"
        spec.write_text(document, encoding="utf-8")
        run = subprocess.run(
            [
                sys.executable, "-m", "openapi_python_client", "generate",
                "--path", str(spec), "--config", str(CONFIG), "--meta", "none",
                "--output-path", str(out), "--overwrite",
            ],
            capture_output=True,
            text=True,
            # its formatter (ruff, a post hook) is run from PATH: the one installed beside this Python
            env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        )
    if run.returncode != 0 or not (out / "client.py").exists():
        raise RuntimeError(f"openapi-python-client failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    shutil.rmtree(out / ".ruff_cache", ignore_errors=True)  # the formatter's cache, not part of the package


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: regenerate.py QUILL_URL OUTPUT_DIR")
    generate(sys.argv[1], Path(sys.argv[2]).resolve())
