from enum import StrEnum


class GetFhirDocumentReferenceResponse200EntryItemSearchMode(StrEnum):
    MATCH = "match"

    def __str__(self) -> str:
        return str(self.value)
