from enum import StrEnum


class GetFhirListIdResponse200ResourceType(StrEnum):
    LIST = "List"

    def __str__(self) -> str:
        return str(self.value)
