from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.post_v1_retention_disposals_id_approve_response_200_batch_type_0 import (
        PostV1RetentionDisposalsIdApproveResponse200BatchType0,
    )
    from ..models.post_v1_retention_disposals_id_approve_response_200_failed_item import (
        PostV1RetentionDisposalsIdApproveResponse200FailedItem,
    )


T = TypeVar("T", bound="PostV1RetentionDisposalsIdApproveResponse200")


@_attrs_define
class PostV1RetentionDisposalsIdApproveResponse200:
    """
    Attributes:
        batch (None | PostV1RetentionDisposalsIdApproveResponse200BatchType0):
        destroyed (list[UUID]): documents destroyed by this request
        failed (list[PostV1RetentionDisposalsIdApproveResponse200FailedItem]): documents whose destruction failed;
            reconcile resumes them
    """

    batch: None | PostV1RetentionDisposalsIdApproveResponse200BatchType0
    destroyed: list[UUID]
    failed: list[PostV1RetentionDisposalsIdApproveResponse200FailedItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.post_v1_retention_disposals_id_approve_response_200_batch_type_0 import (
            PostV1RetentionDisposalsIdApproveResponse200BatchType0,
        )

        batch: dict[str, Any] | None
        if isinstance(
            self.batch, PostV1RetentionDisposalsIdApproveResponse200BatchType0
        ):
            batch = self.batch.to_dict()
        else:
            batch = self.batch

        destroyed = []
        for destroyed_item_data in self.destroyed:
            destroyed_item = str(destroyed_item_data)
            destroyed.append(destroyed_item)

        failed = []
        for failed_item_data in self.failed:
            failed_item = failed_item_data.to_dict()
            failed.append(failed_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "batch": batch,
                "destroyed": destroyed,
                "failed": failed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.post_v1_retention_disposals_id_approve_response_200_batch_type_0 import (
            PostV1RetentionDisposalsIdApproveResponse200BatchType0,
        )
        from ..models.post_v1_retention_disposals_id_approve_response_200_failed_item import (
            PostV1RetentionDisposalsIdApproveResponse200FailedItem,
        )

        d = dict(src_dict)

        def _parse_batch(
            data: object,
        ) -> None | PostV1RetentionDisposalsIdApproveResponse200BatchType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                batch_type_0 = (
                    PostV1RetentionDisposalsIdApproveResponse200BatchType0.from_dict(
                        data
                    )
                )

                return batch_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None | PostV1RetentionDisposalsIdApproveResponse200BatchType0, data
            )

        batch = _parse_batch(d.pop("batch"))

        destroyed = []
        _destroyed = d.pop("destroyed")
        for destroyed_item_data in _destroyed:
            destroyed_item = UUID(destroyed_item_data)

            destroyed.append(destroyed_item)

        failed = []
        _failed = d.pop("failed")
        for failed_item_data in _failed:
            failed_item = (
                PostV1RetentionDisposalsIdApproveResponse200FailedItem.from_dict(
                    failed_item_data
                )
            )

            failed.append(failed_item)

        post_v1_retention_disposals_id_approve_response_200 = cls(
            batch=batch,
            destroyed=destroyed,
            failed=failed,
        )

        post_v1_retention_disposals_id_approve_response_200.additional_properties = d
        return post_v1_retention_disposals_id_approve_response_200

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
