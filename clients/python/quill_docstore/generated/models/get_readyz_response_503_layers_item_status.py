from enum import StrEnum


class GetReadyzResponse503LayersItemStatus(StrEnum):
    DOWN = "down"
    OK = "ok"

    def __str__(self) -> str:
        return str(self.value)
