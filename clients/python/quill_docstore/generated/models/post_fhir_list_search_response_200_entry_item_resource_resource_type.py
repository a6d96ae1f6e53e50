from enum import StrEnum


class PostFhirListSearchResponse200EntryItemResourceResourceType(StrEnum):
    LIST = "List"

    def __str__(self) -> str:
        return str(self.value)
