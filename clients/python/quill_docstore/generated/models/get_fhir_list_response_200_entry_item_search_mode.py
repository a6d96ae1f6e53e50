from enum import StrEnum


class GetFhirListResponse200EntryItemSearchMode(StrEnum):
    MATCH = "match"

    def __str__(self) -> str:
        return str(self.value)
