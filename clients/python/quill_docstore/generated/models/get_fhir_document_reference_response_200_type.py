from enum import StrEnum


class GetFhirDocumentReferenceResponse200Type(StrEnum):
    SEARCHSET = "searchset"

    def __str__(self) -> str:
        return str(self.value)
