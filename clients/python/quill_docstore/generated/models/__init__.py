"""Contains all the data models used in inputs/outputs"""

from .delete_v1_documents_id_body import DeleteV1DocumentsIdBody
from .document import Document
from .document_category_type_0 import DocumentCategoryType0
from .document_fhir import DocumentFhir
from .document_fhir_state import DocumentFhirState
from .document_scan_status import DocumentScanStatus
from .document_status import DocumentStatus
from .document_type import DocumentType
from .document_version import DocumentVersion
from .document_version_scan_status import DocumentVersionScanStatus
from .get_fhir_document_reference_id_response_200 import (
    GetFhirDocumentReferenceIdResponse200,
)
from .get_fhir_document_reference_id_response_200_resource_type import (
    GetFhirDocumentReferenceIdResponse200ResourceType,
)
from .get_fhir_document_reference_response_200 import (
    GetFhirDocumentReferenceResponse200,
)
from .get_fhir_document_reference_response_200_entry_item import (
    GetFhirDocumentReferenceResponse200EntryItem,
)
from .get_fhir_document_reference_response_200_entry_item_resource import (
    GetFhirDocumentReferenceResponse200EntryItemResource,
)
from .get_fhir_document_reference_response_200_entry_item_resource_resource_type import (
    GetFhirDocumentReferenceResponse200EntryItemResourceResourceType,
)
from .get_fhir_document_reference_response_200_entry_item_search import (
    GetFhirDocumentReferenceResponse200EntryItemSearch,
)
from .get_fhir_document_reference_response_200_entry_item_search_mode import (
    GetFhirDocumentReferenceResponse200EntryItemSearchMode,
)
from .get_fhir_document_reference_response_200_link_item import (
    GetFhirDocumentReferenceResponse200LinkItem,
)
from .get_fhir_document_reference_response_200_resource_type import (
    GetFhirDocumentReferenceResponse200ResourceType,
)
from .get_fhir_document_reference_response_200_type import (
    GetFhirDocumentReferenceResponse200Type,
)
from .get_fhir_list_id_response_200 import GetFhirListIdResponse200
from .get_fhir_list_id_response_200_resource_type import (
    GetFhirListIdResponse200ResourceType,
)
from .get_fhir_list_response_200 import GetFhirListResponse200
from .get_fhir_list_response_200_entry_item import GetFhirListResponse200EntryItem
from .get_fhir_list_response_200_entry_item_resource import (
    GetFhirListResponse200EntryItemResource,
)
from .get_fhir_list_response_200_entry_item_resource_resource_type import (
    GetFhirListResponse200EntryItemResourceResourceType,
)
from .get_fhir_list_response_200_entry_item_search import (
    GetFhirListResponse200EntryItemSearch,
)
from .get_fhir_list_response_200_entry_item_search_mode import (
    GetFhirListResponse200EntryItemSearchMode,
)
from .get_fhir_list_response_200_link_item import GetFhirListResponse200LinkItem
from .get_fhir_list_response_200_resource_type import GetFhirListResponse200ResourceType
from .get_fhir_list_response_200_type import GetFhirListResponse200Type
from .get_fhir_metadata_response_200 import GetFhirMetadataResponse200
from .get_fhir_metadata_response_200_resource_type import (
    GetFhirMetadataResponse200ResourceType,
)
from .get_healthz_response_200 import GetHealthzResponse200
from .get_healthz_response_200_status import GetHealthzResponse200Status
from .get_healthz_response_503 import GetHealthzResponse503
from .get_healthz_response_503_status import GetHealthzResponse503Status
from .get_readyz_response_200 import GetReadyzResponse200
from .get_readyz_response_200_layers_item import GetReadyzResponse200LayersItem
from .get_readyz_response_200_layers_item_status import (
    GetReadyzResponse200LayersItemStatus,
)
from .get_readyz_response_200_status import GetReadyzResponse200Status
from .get_readyz_response_503 import GetReadyzResponse503
from .get_readyz_response_503_layers_item import GetReadyzResponse503LayersItem
from .get_readyz_response_503_layers_item_status import (
    GetReadyzResponse503LayersItemStatus,
)
from .get_readyz_response_503_status import GetReadyzResponse503Status
from .get_v1_audit_format import GetV1AuditFormat
from .get_v1_audit_outcome import GetV1AuditOutcome
from .get_v1_audit_response_200 import GetV1AuditResponse200
from .get_v1_audit_response_200_items_item import GetV1AuditResponse200ItemsItem
from .get_v1_audit_response_200_items_item_detail_type_0 import (
    GetV1AuditResponse200ItemsItemDetailType0,
)
from .get_v1_audit_response_200_items_item_outcome import (
    GetV1AuditResponse200ItemsItemOutcome,
)
from .get_v1_document_types_response_200 import GetV1DocumentTypesResponse200
from .get_v1_document_types_response_200_categories_item import (
    GetV1DocumentTypesResponse200CategoriesItem,
)
from .get_v1_document_types_response_200_types_item import (
    GetV1DocumentTypesResponse200TypesItem,
)
from .get_v1_documents_response_200 import GetV1DocumentsResponse200
from .get_v1_retention_certificates_id_response_200 import (
    GetV1RetentionCertificatesIdResponse200,
)
from .get_v1_retention_certificates_id_response_200_state import (
    GetV1RetentionCertificatesIdResponse200State,
)
from .get_v1_retention_certificates_id_response_200_type import (
    GetV1RetentionCertificatesIdResponse200Type,
)
from .get_v1_retention_certificates_id_response_200_versions_item import (
    GetV1RetentionCertificatesIdResponse200VersionsItem,
)
from .get_v1_retention_certificates_response_200 import (
    GetV1RetentionCertificatesResponse200,
)
from .get_v1_retention_certificates_response_200_items_item import (
    GetV1RetentionCertificatesResponse200ItemsItem,
)
from .get_v1_retention_certificates_response_200_items_item_state import (
    GetV1RetentionCertificatesResponse200ItemsItemState,
)
from .get_v1_retention_certificates_response_200_items_item_type import (
    GetV1RetentionCertificatesResponse200ItemsItemType,
)
from .get_v1_retention_certificates_response_200_items_item_versions_item import (
    GetV1RetentionCertificatesResponse200ItemsItemVersionsItem,
)
from .get_v1_retention_disposals_response_200 import GetV1RetentionDisposalsResponse200
from .get_v1_retention_disposals_response_200_items_item import (
    GetV1RetentionDisposalsResponse200ItemsItem,
)
from .get_v1_retention_disposals_response_200_items_item_state import (
    GetV1RetentionDisposalsResponse200ItemsItemState,
)
from .get_v1_retention_disposals_state import GetV1RetentionDisposalsState
from .get_v1_retention_due_response_200 import GetV1RetentionDueResponse200
from .get_v1_retention_due_response_200_items_item import (
    GetV1RetentionDueResponse200ItemsItem,
)
from .get_v1_retention_due_response_200_items_item_type import (
    GetV1RetentionDueResponse200ItemsItemType,
)
from .get_v1_retention_holds_response_200 import GetV1RetentionHoldsResponse200
from .get_v1_retention_holds_response_200_items_item import (
    GetV1RetentionHoldsResponse200ItemsItem,
)
from .get_v1_retention_holds_response_200_items_item_scope import (
    GetV1RetentionHoldsResponse200ItemsItemScope,
)
from .get_v1_retention_patients_patient_facts_response_200 import (
    GetV1RetentionPatientsPatientFactsResponse200,
)
from .get_v1_retention_schedule_response_200 import GetV1RetentionScheduleResponse200
from .get_v1_retention_schedule_response_200_classes_item import (
    GetV1RetentionScheduleResponse200ClassesItem,
)
from .get_v1_retention_schedule_response_200_classes_item_rule_type_0 import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType0,
)
from .get_v1_retention_schedule_response_200_classes_item_rule_type_0_kind import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType0Kind,
)
from .get_v1_retention_schedule_response_200_classes_item_rule_type_1 import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType1,
)
from .get_v1_retention_schedule_response_200_classes_item_rule_type_1_kind import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType1Kind,
)
from .get_v1_retention_schedule_response_200_classes_item_rule_type_2 import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType2,
)
from .get_v1_retention_schedule_response_200_classes_item_rule_type_2_kind import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType2Kind,
)
from .get_v1_retention_schedule_response_200_classes_item_rule_type_3 import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType3,
)
from .get_v1_retention_schedule_response_200_classes_item_rule_type_3_kind import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType3Kind,
)
from .get_v1_retention_schedule_response_200_classes_item_rule_type_4 import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType4,
)
from .get_v1_retention_schedule_response_200_classes_item_rule_type_4_kind import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType4Kind,
)
from .post_fhir_body import PostFhirBody
from .post_fhir_body_entry_item import PostFhirBodyEntryItem
from .post_fhir_document_reference_search_body_type_0 import (
    PostFhirDocumentReferenceSearchBodyType0,
)
from .post_fhir_document_reference_search_response_200 import (
    PostFhirDocumentReferenceSearchResponse200,
)
from .post_fhir_document_reference_search_response_200_entry_item import (
    PostFhirDocumentReferenceSearchResponse200EntryItem,
)
from .post_fhir_document_reference_search_response_200_entry_item_resource import (
    PostFhirDocumentReferenceSearchResponse200EntryItemResource,
)
from .post_fhir_document_reference_search_response_200_entry_item_resource_resource_type import (
    PostFhirDocumentReferenceSearchResponse200EntryItemResourceResourceType,
)
from .post_fhir_document_reference_search_response_200_entry_item_search import (
    PostFhirDocumentReferenceSearchResponse200EntryItemSearch,
)
from .post_fhir_document_reference_search_response_200_entry_item_search_mode import (
    PostFhirDocumentReferenceSearchResponse200EntryItemSearchMode,
)
from .post_fhir_document_reference_search_response_200_link_item import (
    PostFhirDocumentReferenceSearchResponse200LinkItem,
)
from .post_fhir_document_reference_search_response_200_resource_type import (
    PostFhirDocumentReferenceSearchResponse200ResourceType,
)
from .post_fhir_document_reference_search_response_200_type import (
    PostFhirDocumentReferenceSearchResponse200Type,
)
from .post_fhir_list_search_body_type_0 import PostFhirListSearchBodyType0
from .post_fhir_list_search_response_200 import PostFhirListSearchResponse200
from .post_fhir_list_search_response_200_entry_item import (
    PostFhirListSearchResponse200EntryItem,
)
from .post_fhir_list_search_response_200_entry_item_resource import (
    PostFhirListSearchResponse200EntryItemResource,
)
from .post_fhir_list_search_response_200_entry_item_resource_resource_type import (
    PostFhirListSearchResponse200EntryItemResourceResourceType,
)
from .post_fhir_list_search_response_200_entry_item_search import (
    PostFhirListSearchResponse200EntryItemSearch,
)
from .post_fhir_list_search_response_200_entry_item_search_mode import (
    PostFhirListSearchResponse200EntryItemSearchMode,
)
from .post_fhir_list_search_response_200_link_item import (
    PostFhirListSearchResponse200LinkItem,
)
from .post_fhir_list_search_response_200_resource_type import (
    PostFhirListSearchResponse200ResourceType,
)
from .post_fhir_list_search_response_200_type import PostFhirListSearchResponse200Type
from .post_fhir_response_200 import PostFhirResponse200
from .post_fhir_response_200_entry_item import PostFhirResponse200EntryItem
from .post_fhir_response_200_entry_item_response import (
    PostFhirResponse200EntryItemResponse,
)
from .post_fhir_response_200_resource_type import PostFhirResponse200ResourceType
from .post_fhir_response_200_type import PostFhirResponse200Type
from .post_fhir_response_400 import PostFhirResponse400
from .post_fhir_response_400_resource_type import PostFhirResponse400ResourceType
from .post_fhir_response_403 import PostFhirResponse403
from .post_fhir_response_403_resource_type import PostFhirResponse403ResourceType
from .post_fhir_response_409 import PostFhirResponse409
from .post_fhir_response_409_resource_type import PostFhirResponse409ResourceType
from .post_fhir_response_413 import PostFhirResponse413
from .post_fhir_response_413_resource_type import PostFhirResponse413ResourceType
from .post_fhir_response_415 import PostFhirResponse415
from .post_fhir_response_415_resource_type import PostFhirResponse415ResourceType
from .post_fhir_response_422 import PostFhirResponse422
from .post_fhir_response_422_resource_type import PostFhirResponse422ResourceType
from .post_fhir_response_500 import PostFhirResponse500
from .post_fhir_response_500_resource_type import PostFhirResponse500ResourceType
from .post_fhir_response_503 import PostFhirResponse503
from .post_fhir_response_503_resource_type import PostFhirResponse503ResourceType
from .post_fhir_response_507 import PostFhirResponse507
from .post_fhir_response_507_resource_type import PostFhirResponse507ResourceType
from .post_v1_dev_token_body import PostV1DevTokenBody
from .post_v1_dev_token_body_role import PostV1DevTokenBodyRole
from .post_v1_dev_token_response_200 import PostV1DevTokenResponse200
from .post_v1_documents_files_body import PostV1DocumentsFilesBody
from .post_v1_documents_id_download_url_body_type_0 import (
    PostV1DocumentsIdDownloadUrlBodyType0,
)
from .post_v1_documents_id_download_url_response_200 import (
    PostV1DocumentsIdDownloadUrlResponse200,
)
from .post_v1_documents_id_versions_files_body import PostV1DocumentsIdVersionsFilesBody
from .post_v1_retention_disposals_body import PostV1RetentionDisposalsBody
from .post_v1_retention_disposals_id_approve_body import (
    PostV1RetentionDisposalsIdApproveBody,
)
from .post_v1_retention_disposals_id_approve_response_200 import (
    PostV1RetentionDisposalsIdApproveResponse200,
)
from .post_v1_retention_disposals_id_approve_response_200_batch_type_0 import (
    PostV1RetentionDisposalsIdApproveResponse200BatchType0,
)
from .post_v1_retention_disposals_id_approve_response_200_batch_type_0_state import (
    PostV1RetentionDisposalsIdApproveResponse200BatchType0State,
)
from .post_v1_retention_disposals_id_approve_response_200_failed_item import (
    PostV1RetentionDisposalsIdApproveResponse200FailedItem,
)
from .post_v1_retention_disposals_id_reject_body import (
    PostV1RetentionDisposalsIdRejectBody,
)
from .post_v1_retention_disposals_id_reject_response_200 import (
    PostV1RetentionDisposalsIdRejectResponse200,
)
from .post_v1_retention_disposals_id_reject_response_200_state import (
    PostV1RetentionDisposalsIdRejectResponse200State,
)
from .post_v1_retention_disposals_response_201 import (
    PostV1RetentionDisposalsResponse201,
)
from .post_v1_retention_disposals_response_201_state import (
    PostV1RetentionDisposalsResponse201State,
)
from .post_v1_retention_facts_import_response_200 import (
    PostV1RetentionFactsImportResponse200,
)
from .post_v1_retention_facts_import_response_200_errors_item import (
    PostV1RetentionFactsImportResponse200ErrorsItem,
)
from .post_v1_retention_holds_body import PostV1RetentionHoldsBody
from .post_v1_retention_holds_body_scope import PostV1RetentionHoldsBodyScope
from .post_v1_retention_holds_id_lift_body import PostV1RetentionHoldsIdLiftBody
from .post_v1_retention_holds_id_lift_response_200 import (
    PostV1RetentionHoldsIdLiftResponse200,
)
from .post_v1_retention_holds_id_lift_response_200_scope import (
    PostV1RetentionHoldsIdLiftResponse200Scope,
)
from .post_v1_retention_holds_response_201 import PostV1RetentionHoldsResponse201
from .post_v1_retention_holds_response_201_scope import (
    PostV1RetentionHoldsResponse201Scope,
)
from .problem import Problem
from .put_v1_documents_id_retention_body import PutV1DocumentsIdRetentionBody
from .put_v1_retention_patients_patient_facts_body import (
    PutV1RetentionPatientsPatientFactsBody,
)
from .put_v1_retention_patients_patient_facts_response_200 import (
    PutV1RetentionPatientsPatientFactsResponse200,
)
from .put_v1_retention_patients_patient_facts_response_200_documents_recomputed_item import (
    PutV1RetentionPatientsPatientFactsResponse200DocumentsRecomputedItem,
)

__all__ = (
    "DeleteV1DocumentsIdBody",
    "Document",
    "DocumentCategoryType0",
    "DocumentFhir",
    "DocumentFhirState",
    "DocumentScanStatus",
    "DocumentStatus",
    "DocumentType",
    "DocumentVersion",
    "DocumentVersionScanStatus",
    "GetFhirDocumentReferenceIdResponse200",
    "GetFhirDocumentReferenceIdResponse200ResourceType",
    "GetFhirDocumentReferenceResponse200",
    "GetFhirDocumentReferenceResponse200EntryItem",
    "GetFhirDocumentReferenceResponse200EntryItemResource",
    "GetFhirDocumentReferenceResponse200EntryItemResourceResourceType",
    "GetFhirDocumentReferenceResponse200EntryItemSearch",
    "GetFhirDocumentReferenceResponse200EntryItemSearchMode",
    "GetFhirDocumentReferenceResponse200LinkItem",
    "GetFhirDocumentReferenceResponse200ResourceType",
    "GetFhirDocumentReferenceResponse200Type",
    "GetFhirListIdResponse200",
    "GetFhirListIdResponse200ResourceType",
    "GetFhirListResponse200",
    "GetFhirListResponse200EntryItem",
    "GetFhirListResponse200EntryItemResource",
    "GetFhirListResponse200EntryItemResourceResourceType",
    "GetFhirListResponse200EntryItemSearch",
    "GetFhirListResponse200EntryItemSearchMode",
    "GetFhirListResponse200LinkItem",
    "GetFhirListResponse200ResourceType",
    "GetFhirListResponse200Type",
    "GetFhirMetadataResponse200",
    "GetFhirMetadataResponse200ResourceType",
    "GetHealthzResponse200",
    "GetHealthzResponse200Status",
    "GetHealthzResponse503",
    "GetHealthzResponse503Status",
    "GetReadyzResponse200",
    "GetReadyzResponse200LayersItem",
    "GetReadyzResponse200LayersItemStatus",
    "GetReadyzResponse200Status",
    "GetReadyzResponse503",
    "GetReadyzResponse503LayersItem",
    "GetReadyzResponse503LayersItemStatus",
    "GetReadyzResponse503Status",
    "GetV1AuditFormat",
    "GetV1AuditOutcome",
    "GetV1AuditResponse200",
    "GetV1AuditResponse200ItemsItem",
    "GetV1AuditResponse200ItemsItemDetailType0",
    "GetV1AuditResponse200ItemsItemOutcome",
    "GetV1DocumentTypesResponse200",
    "GetV1DocumentTypesResponse200CategoriesItem",
    "GetV1DocumentTypesResponse200TypesItem",
    "GetV1DocumentsResponse200",
    "GetV1RetentionCertificatesIdResponse200",
    "GetV1RetentionCertificatesIdResponse200State",
    "GetV1RetentionCertificatesIdResponse200Type",
    "GetV1RetentionCertificatesIdResponse200VersionsItem",
    "GetV1RetentionCertificatesResponse200",
    "GetV1RetentionCertificatesResponse200ItemsItem",
    "GetV1RetentionCertificatesResponse200ItemsItemState",
    "GetV1RetentionCertificatesResponse200ItemsItemType",
    "GetV1RetentionCertificatesResponse200ItemsItemVersionsItem",
    "GetV1RetentionDisposalsResponse200",
    "GetV1RetentionDisposalsResponse200ItemsItem",
    "GetV1RetentionDisposalsResponse200ItemsItemState",
    "GetV1RetentionDisposalsState",
    "GetV1RetentionDueResponse200",
    "GetV1RetentionDueResponse200ItemsItem",
    "GetV1RetentionDueResponse200ItemsItemType",
    "GetV1RetentionHoldsResponse200",
    "GetV1RetentionHoldsResponse200ItemsItem",
    "GetV1RetentionHoldsResponse200ItemsItemScope",
    "GetV1RetentionPatientsPatientFactsResponse200",
    "GetV1RetentionScheduleResponse200",
    "GetV1RetentionScheduleResponse200ClassesItem",
    "GetV1RetentionScheduleResponse200ClassesItemRuleType0",
    "GetV1RetentionScheduleResponse200ClassesItemRuleType0Kind",
    "GetV1RetentionScheduleResponse200ClassesItemRuleType1",
    "GetV1RetentionScheduleResponse200ClassesItemRuleType1Kind",
    "GetV1RetentionScheduleResponse200ClassesItemRuleType2",
    "GetV1RetentionScheduleResponse200ClassesItemRuleType2Kind",
    "GetV1RetentionScheduleResponse200ClassesItemRuleType3",
    "GetV1RetentionScheduleResponse200ClassesItemRuleType3Kind",
    "GetV1RetentionScheduleResponse200ClassesItemRuleType4",
    "GetV1RetentionScheduleResponse200ClassesItemRuleType4Kind",
    "PostFhirBody",
    "PostFhirBodyEntryItem",
    "PostFhirDocumentReferenceSearchBodyType0",
    "PostFhirDocumentReferenceSearchResponse200",
    "PostFhirDocumentReferenceSearchResponse200EntryItem",
    "PostFhirDocumentReferenceSearchResponse200EntryItemResource",
    "PostFhirDocumentReferenceSearchResponse200EntryItemResourceResourceType",
    "PostFhirDocumentReferenceSearchResponse200EntryItemSearch",
    "PostFhirDocumentReferenceSearchResponse200EntryItemSearchMode",
    "PostFhirDocumentReferenceSearchResponse200LinkItem",
    "PostFhirDocumentReferenceSearchResponse200ResourceType",
    "PostFhirDocumentReferenceSearchResponse200Type",
    "PostFhirListSearchBodyType0",
    "PostFhirListSearchResponse200",
    "PostFhirListSearchResponse200EntryItem",
    "PostFhirListSearchResponse200EntryItemResource",
    "PostFhirListSearchResponse200EntryItemResourceResourceType",
    "PostFhirListSearchResponse200EntryItemSearch",
    "PostFhirListSearchResponse200EntryItemSearchMode",
    "PostFhirListSearchResponse200LinkItem",
    "PostFhirListSearchResponse200ResourceType",
    "PostFhirListSearchResponse200Type",
    "PostFhirResponse200",
    "PostFhirResponse200EntryItem",
    "PostFhirResponse200EntryItemResponse",
    "PostFhirResponse200ResourceType",
    "PostFhirResponse200Type",
    "PostFhirResponse400",
    "PostFhirResponse400ResourceType",
    "PostFhirResponse403",
    "PostFhirResponse403ResourceType",
    "PostFhirResponse409",
    "PostFhirResponse409ResourceType",
    "PostFhirResponse413",
    "PostFhirResponse413ResourceType",
    "PostFhirResponse415",
    "PostFhirResponse415ResourceType",
    "PostFhirResponse422",
    "PostFhirResponse422ResourceType",
    "PostFhirResponse500",
    "PostFhirResponse500ResourceType",
    "PostFhirResponse503",
    "PostFhirResponse503ResourceType",
    "PostFhirResponse507",
    "PostFhirResponse507ResourceType",
    "PostV1DevTokenBody",
    "PostV1DevTokenBodyRole",
    "PostV1DevTokenResponse200",
    "PostV1DocumentsFilesBody",
    "PostV1DocumentsIdDownloadUrlBodyType0",
    "PostV1DocumentsIdDownloadUrlResponse200",
    "PostV1DocumentsIdVersionsFilesBody",
    "PostV1RetentionDisposalsBody",
    "PostV1RetentionDisposalsIdApproveBody",
    "PostV1RetentionDisposalsIdApproveResponse200",
    "PostV1RetentionDisposalsIdApproveResponse200BatchType0",
    "PostV1RetentionDisposalsIdApproveResponse200BatchType0State",
    "PostV1RetentionDisposalsIdApproveResponse200FailedItem",
    "PostV1RetentionDisposalsIdRejectBody",
    "PostV1RetentionDisposalsIdRejectResponse200",
    "PostV1RetentionDisposalsIdRejectResponse200State",
    "PostV1RetentionDisposalsResponse201",
    "PostV1RetentionDisposalsResponse201State",
    "PostV1RetentionFactsImportResponse200",
    "PostV1RetentionFactsImportResponse200ErrorsItem",
    "PostV1RetentionHoldsBody",
    "PostV1RetentionHoldsBodyScope",
    "PostV1RetentionHoldsIdLiftBody",
    "PostV1RetentionHoldsIdLiftResponse200",
    "PostV1RetentionHoldsIdLiftResponse200Scope",
    "PostV1RetentionHoldsResponse201",
    "PostV1RetentionHoldsResponse201Scope",
    "Problem",
    "PutV1DocumentsIdRetentionBody",
    "PutV1RetentionPatientsPatientFactsBody",
    "PutV1RetentionPatientsPatientFactsResponse200",
    "PutV1RetentionPatientsPatientFactsResponse200DocumentsRecomputedItem",
)
