from enum import StrEnum


class PostFhirListSearchResponse200Type(StrEnum):
    SEARCHSET = "searchset"

    def __str__(self) -> str:
        return str(self.value)
