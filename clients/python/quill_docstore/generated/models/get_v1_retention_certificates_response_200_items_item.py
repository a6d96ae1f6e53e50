from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_v1_retention_certificates_response_200_items_item_state import (
    GetV1RetentionCertificatesResponse200ItemsItemState,
)

if TYPE_CHECKING:
    from ..models.get_v1_retention_certificates_response_200_items_item_type import (
        GetV1RetentionCertificatesResponse200ItemsItemType,
    )
    from ..models.get_v1_retention_certificates_response_200_items_item_versions_item import (
        GetV1RetentionCertificatesResponse200ItemsItemVersionsItem,
    )


T = TypeVar("T", bound="GetV1RetentionCertificatesResponse200ItemsItem")


@_attrs_define
class GetV1RetentionCertificatesResponse200ItemsItem:
    """
    Attributes:
        id (UUID):
        batch_id (UUID):
        document_id (UUID):
        state (GetV1RetentionCertificatesResponse200ItemsItemState):
        patient (str):
        type_ (GetV1RetentionCertificatesResponse200ItemsItemType):
        title (str):
        clinical_date (datetime.date | None):
        document_created_at (datetime.datetime):
        retention_class (str):
        retain_until (datetime.date):
        retention_basis (None | str):
        versions (list[GetV1RetentionCertificatesResponse200ItemsItemVersionsItem]):
        proposed_by (str):
        proposed_at (datetime.datetime):
        approved_by (str):
        approved_at (datetime.datetime):
        destroyed_at (datetime.datetime | None):
    """

    id: UUID
    batch_id: UUID
    document_id: UUID
    state: GetV1RetentionCertificatesResponse200ItemsItemState
    patient: str
    type_: GetV1RetentionCertificatesResponse200ItemsItemType
    title: str
    clinical_date: datetime.date | None
    document_created_at: datetime.datetime
    retention_class: str
    retain_until: datetime.date
    retention_basis: None | str
    versions: list[GetV1RetentionCertificatesResponse200ItemsItemVersionsItem]
    proposed_by: str
    proposed_at: datetime.datetime
    approved_by: str
    approved_at: datetime.datetime
    destroyed_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        batch_id = str(self.batch_id)

        document_id = str(self.document_id)

        state = self.state.value

        patient = self.patient

        type_ = self.type_.to_dict()

        title = self.title

        clinical_date: None | str
        if isinstance(self.clinical_date, datetime.date):
            clinical_date = self.clinical_date.isoformat()
        else:
            clinical_date = self.clinical_date

        document_created_at = self.document_created_at.isoformat()

        retention_class = self.retention_class

        retain_until = self.retain_until.isoformat()

        retention_basis: None | str
        retention_basis = self.retention_basis

        versions = []
        for versions_item_data in self.versions:
            versions_item = versions_item_data.to_dict()
            versions.append(versions_item)

        proposed_by = self.proposed_by

        proposed_at = self.proposed_at.isoformat()

        approved_by = self.approved_by

        approved_at = self.approved_at.isoformat()

        destroyed_at: None | str
        if isinstance(self.destroyed_at, datetime.datetime):
            destroyed_at = self.destroyed_at.isoformat()
        else:
            destroyed_at = self.destroyed_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "batchId": batch_id,
                "documentId": document_id,
                "state": state,
                "patient": patient,
                "type": type_,
                "title": title,
                "clinicalDate": clinical_date,
                "documentCreatedAt": document_created_at,
                "retentionClass": retention_class,
                "retainUntil": retain_until,
                "retentionBasis": retention_basis,
                "versions": versions,
                "proposedBy": proposed_by,
                "proposedAt": proposed_at,
                "approvedBy": approved_by,
                "approvedAt": approved_at,
                "destroyedAt": destroyed_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.get_v1_retention_certificates_response_200_items_item_type import (
            GetV1RetentionCertificatesResponse200ItemsItemType,
        )
        from ..models.get_v1_retention_certificates_response_200_items_item_versions_item import (
            GetV1RetentionCertificatesResponse200ItemsItemVersionsItem,
        )

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        batch_id = UUID(d.pop("batchId"))

        document_id = UUID(d.pop("documentId"))

        state = GetV1RetentionCertificatesResponse200ItemsItemState(d.pop("state"))

        patient = d.pop("patient")

        type_ = GetV1RetentionCertificatesResponse200ItemsItemType.from_dict(
            d.pop("type")
        )

        title = d.pop("title")

        def _parse_clinical_date(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                clinical_date_type_0 = datetime.date.fromisoformat(data)

                return clinical_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        clinical_date = _parse_clinical_date(d.pop("clinicalDate"))

        document_created_at = datetime.datetime.fromisoformat(
            d.pop("documentCreatedAt")
        )

        retention_class = d.pop("retentionClass")

        retain_until = datetime.date.fromisoformat(d.pop("retainUntil"))

        def _parse_retention_basis(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        retention_basis = _parse_retention_basis(d.pop("retentionBasis"))

        versions = []
        _versions = d.pop("versions")
        for versions_item_data in _versions:
            versions_item = (
                GetV1RetentionCertificatesResponse200ItemsItemVersionsItem.from_dict(
                    versions_item_data
                )
            )

            versions.append(versions_item)

        proposed_by = d.pop("proposedBy")

        proposed_at = datetime.datetime.fromisoformat(d.pop("proposedAt"))

        approved_by = d.pop("approvedBy")

        approved_at = datetime.datetime.fromisoformat(d.pop("approvedAt"))

        def _parse_destroyed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                destroyed_at_type_0 = datetime.datetime.fromisoformat(data)

                return destroyed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        destroyed_at = _parse_destroyed_at(d.pop("destroyedAt"))

        get_v1_retention_certificates_response_200_items_item = cls(
            id=id,
            batch_id=batch_id,
            document_id=document_id,
            state=state,
            patient=patient,
            type_=type_,
            title=title,
            clinical_date=clinical_date,
            document_created_at=document_created_at,
            retention_class=retention_class,
            retain_until=retain_until,
            retention_basis=retention_basis,
            versions=versions,
            proposed_by=proposed_by,
            proposed_at=proposed_at,
            approved_by=approved_by,
            approved_at=approved_at,
            destroyed_at=destroyed_at,
        )

        get_v1_retention_certificates_response_200_items_item.additional_properties = d
        return get_v1_retention_certificates_response_200_items_item

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
