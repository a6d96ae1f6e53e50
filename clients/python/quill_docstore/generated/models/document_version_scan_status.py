from enum import StrEnum


class DocumentVersionScanStatus(StrEnum):
    CLEAN = "clean"
    INFECTED = "infected"
    NOT_SCANNED = "not-scanned"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
