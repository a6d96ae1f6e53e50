from enum import StrEnum


class GetFhirListResponse200ResourceType(StrEnum):
    BUNDLE = "Bundle"

    def __str__(self) -> str:
        return str(self.value)
