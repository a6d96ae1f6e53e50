from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_v1_audit_response_200_items_item_outcome import (
    GetV1AuditResponse200ItemsItemOutcome,
)

if TYPE_CHECKING:
    from ..models.get_v1_audit_response_200_items_item_detail_type_0 import (
        GetV1AuditResponse200ItemsItemDetailType0,
    )


T = TypeVar("T", bound="GetV1AuditResponse200ItemsItem")


@_attrs_define
class GetV1AuditResponse200ItemsItem:
    """
    Attributes:
        id (str):
        at (datetime.datetime):
        actor (None | str):
        roles (list[str]):
        action (str):
        outcome (GetV1AuditResponse200ItemsItemOutcome):
        document_id (None | str):
        version (int | None):
        patient (None | str):
        error_code (None | str):
        detail (GetV1AuditResponse200ItemsItemDetailType0 | None):
        client_ip (None | str):
        user_agent (None | str):
        request_id (None | str):
    """

    id: str
    at: datetime.datetime
    actor: None | str
    roles: list[str]
    action: str
    outcome: GetV1AuditResponse200ItemsItemOutcome
    document_id: None | str
    version: int | None
    patient: None | str
    error_code: None | str
    detail: GetV1AuditResponse200ItemsItemDetailType0 | None
    client_ip: None | str
    user_agent: None | str
    request_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.get_v1_audit_response_200_items_item_detail_type_0 import (
            GetV1AuditResponse200ItemsItemDetailType0,
        )

        id = self.id

        at = self.at.isoformat()

        actor: None | str
        actor = self.actor

        roles = self.roles

        action = self.action

        outcome = self.outcome.value

        document_id: None | str
        document_id = self.document_id

        version: int | None
        version = self.version

        patient: None | str
        patient = self.patient

        error_code: None | str
        error_code = self.error_code

        detail: dict[str, Any] | None
        if isinstance(self.detail, GetV1AuditResponse200ItemsItemDetailType0):
            detail = self.detail.to_dict()
        else:
            detail = self.detail

        client_ip: None | str
        client_ip = self.client_ip

        user_agent: None | str
        user_agent = self.user_agent

        request_id: None | str
        request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "at": at,
                "actor": actor,
                "roles": roles,
                "action": action,
                "outcome": outcome,
                "documentId": document_id,
                "version": version,
                "patient": patient,
                "errorCode": error_code,
                "detail": detail,
                "clientIp": client_ip,
                "userAgent": user_agent,
                "requestId": request_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.get_v1_audit_response_200_items_item_detail_type_0 import (
            GetV1AuditResponse200ItemsItemDetailType0,
        )

        d = dict(src_dict)
        id = d.pop("id")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        def _parse_actor(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        actor = _parse_actor(d.pop("actor"))

        roles = cast(list[str], d.pop("roles"))

        action = d.pop("action")

        outcome = GetV1AuditResponse200ItemsItemOutcome(d.pop("outcome"))

        def _parse_document_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        document_id = _parse_document_id(d.pop("documentId"))

        def _parse_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        version = _parse_version(d.pop("version"))

        def _parse_patient(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        patient = _parse_patient(d.pop("patient"))

        def _parse_error_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_code = _parse_error_code(d.pop("errorCode"))

        def _parse_detail(
            data: object,
        ) -> GetV1AuditResponse200ItemsItemDetailType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                detail_type_0 = GetV1AuditResponse200ItemsItemDetailType0.from_dict(
                    data
                )

                return detail_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(GetV1AuditResponse200ItemsItemDetailType0 | None, data)

        detail = _parse_detail(d.pop("detail"))

        def _parse_client_ip(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        client_ip = _parse_client_ip(d.pop("clientIp"))

        def _parse_user_agent(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        user_agent = _parse_user_agent(d.pop("userAgent"))

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("requestId"))

        get_v1_audit_response_200_items_item = cls(
            id=id,
            at=at,
            actor=actor,
            roles=roles,
            action=action,
            outcome=outcome,
            document_id=document_id,
            version=version,
            patient=patient,
            error_code=error_code,
            detail=detail,
            client_ip=client_ip,
            user_agent=user_agent,
            request_id=request_id,
        )

        get_v1_audit_response_200_items_item.additional_properties = d
        return get_v1_audit_response_200_items_item

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
