from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.post_v1_retention_disposals_response_201_state import (
    PostV1RetentionDisposalsResponse201State,
)

T = TypeVar("T", bound="PostV1RetentionDisposalsResponse201")


@_attrs_define
class PostV1RetentionDisposalsResponse201:
    """
    Attributes:
        id (UUID):
        state (PostV1RetentionDisposalsResponse201State):
        reason (str):
        proposed_by (str):
        proposed_at (datetime.datetime):
        decided_by (None | str):
        decided_at (datetime.datetime | None):
        decision_note (None | str):
        completed_at (datetime.datetime | None):
        documents (list[UUID]):
    """

    id: UUID
    state: PostV1RetentionDisposalsResponse201State
    reason: str
    proposed_by: str
    proposed_at: datetime.datetime
    decided_by: None | str
    decided_at: datetime.datetime | None
    decision_note: None | str
    completed_at: datetime.datetime | None
    documents: list[UUID]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        state = self.state.value

        reason = self.reason

        proposed_by = self.proposed_by

        proposed_at = self.proposed_at.isoformat()

        decided_by: None | str
        decided_by = self.decided_by

        decided_at: None | str
        if isinstance(self.decided_at, datetime.datetime):
            decided_at = self.decided_at.isoformat()
        else:
            decided_at = self.decided_at

        decision_note: None | str
        decision_note = self.decision_note

        completed_at: None | str
        if isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        documents = []
        for documents_item_data in self.documents:
            documents_item = str(documents_item_data)
            documents.append(documents_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "state": state,
                "reason": reason,
                "proposedBy": proposed_by,
                "proposedAt": proposed_at,
                "decidedBy": decided_by,
                "decidedAt": decided_at,
                "decisionNote": decision_note,
                "completedAt": completed_at,
                "documents": documents,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        state = PostV1RetentionDisposalsResponse201State(d.pop("state"))

        reason = d.pop("reason")

        proposed_by = d.pop("proposedBy")

        proposed_at = datetime.datetime.fromisoformat(d.pop("proposedAt"))

        def _parse_decided_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        decided_by = _parse_decided_by(d.pop("decidedBy"))

        def _parse_decided_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                decided_at_type_0 = datetime.datetime.fromisoformat(data)

                return decided_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        decided_at = _parse_decided_at(d.pop("decidedAt"))

        def _parse_decision_note(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        decision_note = _parse_decision_note(d.pop("decisionNote"))

        def _parse_completed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        completed_at = _parse_completed_at(d.pop("completedAt"))

        documents = []
        _documents = d.pop("documents")
        for documents_item_data in _documents:
            documents_item = UUID(documents_item_data)

            documents.append(documents_item)

        post_v1_retention_disposals_response_201 = cls(
            id=id,
            state=state,
            reason=reason,
            proposed_by=proposed_by,
            proposed_at=proposed_at,
            decided_by=decided_by,
            decided_at=decided_at,
            decision_note=decision_note,
            completed_at=completed_at,
            documents=documents,
        )

        post_v1_retention_disposals_response_201.additional_properties = d
        return post_v1_retention_disposals_response_201

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
