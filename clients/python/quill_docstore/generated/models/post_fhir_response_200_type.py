from enum import StrEnum


class PostFhirResponse200Type(StrEnum):
    TRANSACTION_RESPONSE = "transaction-response"

    def __str__(self) -> str:
        return str(self.value)
