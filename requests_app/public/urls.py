from django.urls import path

from requests_app.public import documents, register_pages, report_pages, views

app_name = "public"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("organisations/", views.organisation_finder, name="organisations"),
    path("organisations/<slug:slug>/request/", views.request_form, name="request"),
    path("organisations/<slug:slug>/register/", register_pages.register, name="register"),
    path("organisations/<slug:slug>/register/<uuid:public_id>/", register_pages.point_page, name="register_point"),
    path("organisations/<slug:slug>/register/<uuid:public_id>/sign/", register_pages.sign, name="register_sign"),
    path("organisations/<slug:slug>/register/<uuid:public_id>/qr.svg", register_pages.qr_code, name="register_qr"),
    path("organisations/<slug:slug>/register/<uuid:public_id>/sign-photo/", register_pages.signage_photo,
         name="register_photo"),
    # The yearly transparency report, once the organisation publishes it (requests_app/reports).
    path("organisations/<slug:slug>/transparency/", report_pages.index, name="transparency"),
    path("organisations/<slug:slug>/transparency/<int:year>/", report_pages.year_page, name="transparency_year"),
    *(path(f"organisations/<slug:slug>/transparency/<int:year>.{fmt}", report_pages.download, {"fmt": fmt},
           name=f"transparency_{fmt}") for fmt in ("csv", "json")),
    path("thanks/", views.thanks, name="thanks"),
    path("verify/<uuid:submission>/", views.verify, name="verify"),
    path("verify/<uuid:submission>/resend/", views.resend_code, name="resend_code"),
    path("status/", views.lookup, name="lookup"),
    path("status/<str:token>/", views.status, name="status"),
    path("status/<str:token>/<str:reference>/certificate/", documents.certificate, name="certificate"),
    path("status/<str:token>/<str:reference>/certificate/log-proof.json", documents.certificate_log_proof,
         name="certificate_log_proof"),
    path("status/<str:token>/<str:reference>/documents/<slug:name>.html", documents.document, {"fmt": "html"},
         name="document_html"),
    path("status/<str:token>/<str:reference>/documents/<slug:name>.pdf", documents.document, {"fmt": "pdf"},
         name="document_pdf"),
    path("certificates/check/", documents.certificate_check, name="certificate_check"),
    path("status/<str:token>/<str:reference>/files/<int:attachment_id>/", views.download, name="download"),
    path("status/<str:token>/<str:reference>/<str:action>/", views.status_action, name="status_action"),
]
