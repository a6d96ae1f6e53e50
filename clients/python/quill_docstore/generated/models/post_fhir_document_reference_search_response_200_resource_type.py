from enum import StrEnum


class PostFhirDocumentReferenceSearchResponse200ResourceType(StrEnum):
    BUNDLE = "Bundle"

    def __str__(self) -> str:
        return str(self.value)
