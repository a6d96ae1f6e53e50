from enum import StrEnum


class PostFhirListSearchResponse200ResourceType(StrEnum):
    BUNDLE = "Bundle"

    def __str__(self) -> str:
        return str(self.value)
