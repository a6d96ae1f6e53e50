from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.post_v1_dev_token_body_role import PostV1DevTokenBodyRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="PostV1DevTokenBody")


@_attrs_define
class PostV1DevTokenBody:
    """
    Attributes:
        sub (str):
        role (PostV1DevTokenBodyRole):
        patients (list[str] | Unset):
    """

    sub: str
    role: PostV1DevTokenBodyRole
    patients: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        sub = self.sub

        role = self.role.value

        patients: list[str] | Unset = UNSET
        if not isinstance(self.patients, Unset):
            patients = self.patients

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "sub": sub,
                "role": role,
            }
        )
        if patients is not UNSET:
            field_dict["patients"] = patients

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        sub = d.pop("sub")

        role = PostV1DevTokenBodyRole(d.pop("role"))

        patients = cast(list[str], d.pop("patients", UNSET))

        post_v1_dev_token_body = cls(
            sub=sub,
            role=role,
            patients=patients,
        )

        return post_v1_dev_token_body
