from enum import StrEnum


class GetReadyzResponse200LayersItemStatus(StrEnum):
    DOWN = "down"
    OK = "ok"

    def __str__(self) -> str:
        return str(self.value)
