from enum import StrEnum


class GetFhirDocumentReferenceIdResponse200ResourceType(StrEnum):
    DOCUMENTREFERENCE = "DocumentReference"

    def __str__(self) -> str:
        return str(self.value)
