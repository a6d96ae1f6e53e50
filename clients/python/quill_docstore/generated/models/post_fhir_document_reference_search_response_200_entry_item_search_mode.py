from enum import StrEnum


class PostFhirDocumentReferenceSearchResponse200EntryItemSearchMode(StrEnum):
    MATCH = "match"

    def __str__(self) -> str:
        return str(self.value)
