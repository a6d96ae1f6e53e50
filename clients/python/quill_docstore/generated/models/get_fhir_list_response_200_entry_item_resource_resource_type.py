from enum import StrEnum


class GetFhirListResponse200EntryItemResourceResourceType(StrEnum):
    LIST = "List"

    def __str__(self) -> str:
        return str(self.value)
