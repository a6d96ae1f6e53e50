from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.post_v1_retention_holds_response_201_scope import (
    PostV1RetentionHoldsResponse201Scope,
)

T = TypeVar("T", bound="PostV1RetentionHoldsResponse201")


@_attrs_define
class PostV1RetentionHoldsResponse201:
    """
    Attributes:
        id (UUID):
        scope (PostV1RetentionHoldsResponse201Scope):
        document_id (None | UUID):
        patient (None | str):
        type_code (None | str):
        date_from (datetime.date | None):
        date_to (datetime.date | None):
        reason (str):
        set_by (str):
        set_at (datetime.datetime):
        lifted_by (None | str):
        lifted_at (datetime.datetime | None):
        lift_reason (None | str):
        documents (int): how many documents the hold covers now
    """

    id: UUID
    scope: PostV1RetentionHoldsResponse201Scope
    document_id: None | UUID
    patient: None | str
    type_code: None | str
    date_from: datetime.date | None
    date_to: datetime.date | None
    reason: str
    set_by: str
    set_at: datetime.datetime
    lifted_by: None | str
    lifted_at: datetime.datetime | None
    lift_reason: None | str
    documents: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        scope = self.scope.value

        document_id: None | str
        if isinstance(self.document_id, UUID):
            document_id = str(self.document_id)
        else:
            document_id = self.document_id

        patient: None | str
        patient = self.patient

        type_code: None | str
        type_code = self.type_code

        date_from: None | str
        if isinstance(self.date_from, datetime.date):
            date_from = self.date_from.isoformat()
        else:
            date_from = self.date_from

        date_to: None | str
        if isinstance(self.date_to, datetime.date):
            date_to = self.date_to.isoformat()
        else:
            date_to = self.date_to

        reason = self.reason

        set_by = self.set_by

        set_at = self.set_at.isoformat()

        lifted_by: None | str
        lifted_by = self.lifted_by

        lifted_at: None | str
        if isinstance(self.lifted_at, datetime.datetime):
            lifted_at = self.lifted_at.isoformat()
        else:
            lifted_at = self.lifted_at

        lift_reason: None | str
        lift_reason = self.lift_reason

        documents = self.documents

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "scope": scope,
                "documentId": document_id,
                "patient": patient,
                "typeCode": type_code,
                "dateFrom": date_from,
                "dateTo": date_to,
                "reason": reason,
                "setBy": set_by,
                "setAt": set_at,
                "liftedBy": lifted_by,
                "liftedAt": lifted_at,
                "liftReason": lift_reason,
                "documents": documents,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        scope = PostV1RetentionHoldsResponse201Scope(d.pop("scope"))

        def _parse_document_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                document_id_type_0 = UUID(data)

                return document_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        document_id = _parse_document_id(d.pop("documentId"))

        def _parse_patient(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        patient = _parse_patient(d.pop("patient"))

        def _parse_type_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        type_code = _parse_type_code(d.pop("typeCode"))

        def _parse_date_from(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                date_from_type_0 = datetime.date.fromisoformat(data)

                return date_from_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        date_from = _parse_date_from(d.pop("dateFrom"))

        def _parse_date_to(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                date_to_type_0 = datetime.date.fromisoformat(data)

                return date_to_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        date_to = _parse_date_to(d.pop("dateTo"))

        reason = d.pop("reason")

        set_by = d.pop("setBy")

        set_at = datetime.datetime.fromisoformat(d.pop("setAt"))

        def _parse_lifted_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        lifted_by = _parse_lifted_by(d.pop("liftedBy"))

        def _parse_lifted_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                lifted_at_type_0 = datetime.datetime.fromisoformat(data)

                return lifted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        lifted_at = _parse_lifted_at(d.pop("liftedAt"))

        def _parse_lift_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        lift_reason = _parse_lift_reason(d.pop("liftReason"))

        documents = d.pop("documents")

        post_v1_retention_holds_response_201 = cls(
            id=id,
            scope=scope,
            document_id=document_id,
            patient=patient,
            type_code=type_code,
            date_from=date_from,
            date_to=date_to,
            reason=reason,
            set_by=set_by,
            set_at=set_at,
            lifted_by=lifted_by,
            lifted_at=lifted_at,
            lift_reason=lift_reason,
            documents=documents,
        )

        post_v1_retention_holds_response_201.additional_properties = d
        return post_v1_retention_holds_response_201

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
