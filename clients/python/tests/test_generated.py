"""quill_docstore/generated/ is what openapi-python-client generates from the running service's /openapi.json: a
stale package (the API changed, nobody ran clients/python/generate.sh) fails here."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
COMMITTED = HERE / "quill_docstore" / "generated"


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def test_the_generated_package_is_current(quill_url: str) -> None:
    spec = importlib.util.spec_from_file_location("regenerate", HERE / "tools" / "regenerate.py")
    assert spec and spec.loader
    regenerate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(regenerate)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "generated"
        regenerate.generate(quill_url, fresh)
        new, old = _tree(fresh), _tree(COMMITTED)
        assert len(new) > 50  # the comparison is not vacuous
        stale = sorted(set(new) ^ set(old)) + sorted(k for k in set(new) & set(old) if new[k] != old[k])
        assert not stale, f"quill_docstore/generated/ is stale ({len(stale)} files differ, e.g. {stale[:5]}): run clients/python/generate.sh"
