from enum import StrEnum


class DocumentStatus(StrEnum):
    CURRENT = "current"
    ENTERED_IN_ERROR = "entered-in-error"

    def __str__(self) -> str:
        return str(self.value)
