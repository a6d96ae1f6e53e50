from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PutV1RetentionPatientsPatientFactsBody")


@_attrs_define
class PutV1RetentionPatientsPatientFactsBody:
    """
    Attributes:
        date_of_birth (None | str | Unset):
        date_of_death (None | str | Unset):
        last_contact (None | str | Unset):
        last_child_birth (None | str | Unset):
    """

    date_of_birth: None | str | Unset = UNSET
    date_of_death: None | str | Unset = UNSET
    last_contact: None | str | Unset = UNSET
    last_child_birth: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        date_of_birth: None | str | Unset
        if isinstance(self.date_of_birth, Unset):
            date_of_birth = UNSET
        else:
            date_of_birth = self.date_of_birth

        date_of_death: None | str | Unset
        if isinstance(self.date_of_death, Unset):
            date_of_death = UNSET
        else:
            date_of_death = self.date_of_death

        last_contact: None | str | Unset
        if isinstance(self.last_contact, Unset):
            last_contact = UNSET
        else:
            last_contact = self.last_contact

        last_child_birth: None | str | Unset
        if isinstance(self.last_child_birth, Unset):
            last_child_birth = UNSET
        else:
            last_child_birth = self.last_child_birth

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if date_of_birth is not UNSET:
            field_dict["dateOfBirth"] = date_of_birth
        if date_of_death is not UNSET:
            field_dict["dateOfDeath"] = date_of_death
        if last_contact is not UNSET:
            field_dict["lastContact"] = last_contact
        if last_child_birth is not UNSET:
            field_dict["lastChildBirth"] = last_child_birth

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_date_of_birth(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        date_of_birth = _parse_date_of_birth(d.pop("dateOfBirth", UNSET))

        def _parse_date_of_death(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        date_of_death = _parse_date_of_death(d.pop("dateOfDeath", UNSET))

        def _parse_last_contact(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_contact = _parse_last_contact(d.pop("lastContact", UNSET))

        def _parse_last_child_birth(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_child_birth = _parse_last_child_birth(d.pop("lastChildBirth", UNSET))

        put_v1_retention_patients_patient_facts_body = cls(
            date_of_birth=date_of_birth,
            date_of_death=date_of_death,
            last_contact=last_contact,
            last_child_birth=last_child_birth,
        )

        return put_v1_retention_patients_patient_facts_body
