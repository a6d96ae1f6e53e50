from enum import StrEnum


class PostV1DevTokenBodyRole(StrEnum):
    ADMIN = "admin"
    AUDITOR = "auditor"
    CLINICIAN = "clinician"
    RECORDS_MANAGER = "records-manager"

    def __str__(self) -> str:
        return str(self.value)
