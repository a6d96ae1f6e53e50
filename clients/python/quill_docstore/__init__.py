"""Quill Document Store's Python client: `Quill` (generated API + streaming upload + verified download), its errors,
and the generated package itself (`quill_docstore.generated`, never edited by hand: clients/python/generate.sh)."""

from .client import Quill
from .errors import IntegrityError, QuillError
from .generated.models.document import Document

__all__ = ["Document", "IntegrityError", "Quill", "QuillError"]
