from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.put_v1_retention_patients_patient_facts_response_200_documents_recomputed_item import (
        PutV1RetentionPatientsPatientFactsResponse200DocumentsRecomputedItem,
    )


T = TypeVar("T", bound="PutV1RetentionPatientsPatientFactsResponse200")


@_attrs_define
class PutV1RetentionPatientsPatientFactsResponse200:
    """
    Attributes:
        patient (str):
        date_of_birth (datetime.date | None):
        date_of_death (datetime.date | None):
        last_contact (datetime.date | None):
        last_child_birth (datetime.date | None):
        documents_recomputed (list[PutV1RetentionPatientsPatientFactsResponse200DocumentsRecomputedItem]): the documents
            whose retainUntil moved
    """

    patient: str
    date_of_birth: datetime.date | None
    date_of_death: datetime.date | None
    last_contact: datetime.date | None
    last_child_birth: datetime.date | None
    documents_recomputed: list[
        PutV1RetentionPatientsPatientFactsResponse200DocumentsRecomputedItem
    ]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        patient = self.patient

        date_of_birth: None | str
        if isinstance(self.date_of_birth, datetime.date):
            date_of_birth = self.date_of_birth.isoformat()
        else:
            date_of_birth = self.date_of_birth

        date_of_death: None | str
        if isinstance(self.date_of_death, datetime.date):
            date_of_death = self.date_of_death.isoformat()
        else:
            date_of_death = self.date_of_death

        last_contact: None | str
        if isinstance(self.last_contact, datetime.date):
            last_contact = self.last_contact.isoformat()
        else:
            last_contact = self.last_contact

        last_child_birth: None | str
        if isinstance(self.last_child_birth, datetime.date):
            last_child_birth = self.last_child_birth.isoformat()
        else:
            last_child_birth = self.last_child_birth

        documents_recomputed = []
        for documents_recomputed_item_data in self.documents_recomputed:
            documents_recomputed_item = documents_recomputed_item_data.to_dict()
            documents_recomputed.append(documents_recomputed_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "patient": patient,
                "dateOfBirth": date_of_birth,
                "dateOfDeath": date_of_death,
                "lastContact": last_contact,
                "lastChildBirth": last_child_birth,
                "documentsRecomputed": documents_recomputed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.put_v1_retention_patients_patient_facts_response_200_documents_recomputed_item import (
            PutV1RetentionPatientsPatientFactsResponse200DocumentsRecomputedItem,
        )

        d = dict(src_dict)
        patient = d.pop("patient")

        def _parse_date_of_birth(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                date_of_birth_type_0 = datetime.date.fromisoformat(data)

                return date_of_birth_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        date_of_birth = _parse_date_of_birth(d.pop("dateOfBirth"))

        def _parse_date_of_death(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                date_of_death_type_0 = datetime.date.fromisoformat(data)

                return date_of_death_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        date_of_death = _parse_date_of_death(d.pop("dateOfDeath"))

        def _parse_last_contact(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_contact_type_0 = datetime.date.fromisoformat(data)

                return last_contact_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        last_contact = _parse_last_contact(d.pop("lastContact"))

        def _parse_last_child_birth(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_child_birth_type_0 = datetime.date.fromisoformat(data)

                return last_child_birth_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        last_child_birth = _parse_last_child_birth(d.pop("lastChildBirth"))

        documents_recomputed = []
        _documents_recomputed = d.pop("documentsRecomputed")
        for documents_recomputed_item_data in _documents_recomputed:
            documents_recomputed_item = PutV1RetentionPatientsPatientFactsResponse200DocumentsRecomputedItem.from_dict(
                documents_recomputed_item_data
            )

            documents_recomputed.append(documents_recomputed_item)

        put_v1_retention_patients_patient_facts_response_200 = cls(
            patient=patient,
            date_of_birth=date_of_birth,
            date_of_death=date_of_death,
            last_contact=last_contact,
            last_child_birth=last_child_birth,
            documents_recomputed=documents_recomputed,
        )

        put_v1_retention_patients_patient_facts_response_200.additional_properties = d
        return put_v1_retention_patients_patient_facts_response_200

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
