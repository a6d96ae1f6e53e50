from enum import StrEnum


class GetHealthzResponse503Status(StrEnum):
    OK = "ok"
    UNHEALTHY = "unhealthy"

    def __str__(self) -> str:
        return str(self.value)
