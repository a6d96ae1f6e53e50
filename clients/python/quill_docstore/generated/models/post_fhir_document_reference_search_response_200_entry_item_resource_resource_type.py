from enum import StrEnum


class PostFhirDocumentReferenceSearchResponse200EntryItemResourceResourceType(StrEnum):
    DOCUMENTREFERENCE = "DocumentReference"

    def __str__(self) -> str:
        return str(self.value)
