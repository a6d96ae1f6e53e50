from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..models.post_v1_retention_holds_body_scope import PostV1RetentionHoldsBodyScope
from ..types import UNSET, Unset

T = TypeVar("T", bound="PostV1RetentionHoldsBody")


@_attrs_define
class PostV1RetentionHoldsBody:
    """
    Attributes:
        scope (PostV1RetentionHoldsBodyScope):
        reason (str):
        document (UUID | Unset):
        patient (str | Unset):
        type_ (str | Unset):
        from_ (str | Unset):
        to (str | Unset):
    """

    scope: PostV1RetentionHoldsBodyScope
    reason: str
    document: UUID | Unset = UNSET
    patient: str | Unset = UNSET
    type_: str | Unset = UNSET
    from_: str | Unset = UNSET
    to: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        scope = self.scope.value

        reason = self.reason

        document: str | Unset = UNSET
        if not isinstance(self.document, Unset):
            document = str(self.document)

        patient = self.patient

        type_ = self.type_

        from_ = self.from_

        to = self.to

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "scope": scope,
                "reason": reason,
            }
        )
        if document is not UNSET:
            field_dict["document"] = document
        if patient is not UNSET:
            field_dict["patient"] = patient
        if type_ is not UNSET:
            field_dict["type"] = type_
        if from_ is not UNSET:
            field_dict["from"] = from_
        if to is not UNSET:
            field_dict["to"] = to

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        scope = PostV1RetentionHoldsBodyScope(d.pop("scope"))

        reason = d.pop("reason")

        _document = d.pop("document", UNSET)
        document: UUID | Unset
        if isinstance(_document, Unset):
            document = UNSET
        else:
            document = UUID(_document)

        patient = d.pop("patient", UNSET)

        type_ = d.pop("type", UNSET)

        from_ = d.pop("from", UNSET)

        to = d.pop("to", UNSET)

        post_v1_retention_holds_body = cls(
            scope=scope,
            reason=reason,
            document=document,
            patient=patient,
            type_=type_,
            from_=from_,
            to=to,
        )

        return post_v1_retention_holds_body
