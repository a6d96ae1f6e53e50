from enum import StrEnum


class GetV1RetentionHoldsResponse200ItemsItemScope(StrEnum):
    DOCUMENT = "document"
    PATIENT = "patient"
    TYPE = "type"

    def __str__(self) -> str:
        return str(self.value)
