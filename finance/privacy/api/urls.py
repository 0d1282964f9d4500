from django.urls import path

from finance.privacy.api import views

urlpatterns = [
    path("export/", views.ExportListView.as_view(), name="privacy-export"),
    path("export/<uuid:pk>/download/", views.ExportDownloadView.as_view(), name="privacy-export-download"),
    path("import/", views.ImportView.as_view(), name="privacy-import"),
    path("delete-account/", views.DeleteAccountView.as_view(), name="privacy-delete-account"),
]
