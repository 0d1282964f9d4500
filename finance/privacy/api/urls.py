from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from finance.privacy.api import views
from finance.privacy.api.audit import AuditEventViewSet

router = SimpleRouter()
router.register("audit", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    *router.urls,
    path("privacy/export/", views.ExportListView.as_view(), name="privacy-export"),
    path("privacy/export/<uuid:pk>/download/", views.ExportDownloadView.as_view(), name="privacy-export-download"),
    path("privacy/import/", views.ImportView.as_view(), name="privacy-import"),
    path("privacy/delete-account/", views.DeleteAccountView.as_view(), name="privacy-delete-account"),
    # The household routes' own lookup (SimpleRouter's), so a malformed id is a 404 of the view, as there.
    re_path(
        r"^households/(?P<pk>[^/.]+)/anonymize/$", views.HouseholdAnonymizeView.as_view(), name="household-anonymize"
    ),
]
