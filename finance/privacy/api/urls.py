from django.urls import path

from finance.core.api.routes import Router
from finance.privacy.api import views
from finance.privacy.api.audit import AuditEventViewSet

router = Router()
router.register("audit", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    *router.urls,
    path("privacy/export/", views.ExportListView.as_view(), name="privacy-export"),
    path("privacy/export/<uuid:pk>/download/", views.ExportDownloadView.as_view(), name="privacy-export-download"),
    path("privacy/import/", views.ImportView.as_view(), name="privacy-import"),
    path("privacy/delete-account/", views.DeleteAccountView.as_view(), name="privacy-delete-account"),
    path("households/<id:pk>/anonymize/", views.HouseholdAnonymizeView.as_view(), name="household-anonymize"),
]
