"""The privacy officers' desk: queue, case pages, dashboard, exports (namespace "desk")."""

from django.urls import path

from requests_app.desk import (
    bulk_views, document_views, evidence_views, filing_views, mail_views, oversight_views, register_views,
    report_settings, report_views, views,
)

app_name = "desk"

urlpatterns: list = [
    # Queue and case pages (requests_app/desk/views.py).
    path("", views.queue, name="queue"),
    path("assign/", bulk_views.bulk_assign, name="bulk_assign"),
    path("refuse/", bulk_views.bulk_refuse, name="bulk_refuse"),
    path("requests/<str:reference>/", views.case, name="case"),
    path("requests/<str:reference>/approve/confirm/", views.approve_confirm, name="approve_confirm"),
    path("requests/<str:reference>/files/<int:attachment_id>/", views.attachment, name="attachment"),
    # The requester's documents, printable (requests_app/cases/documents.py).
    path("requests/<str:reference>/documents/<slug:name>.html", document_views.document, {"fmt": "html"},
         name="document_html"),
    path("requests/<str:reference>/documents/<slug:name>.pdf", document_views.document, {"fmt": "pdf"},
         name="document_pdf"),
    # Evidence bundles for a court or a regulator (requests_app/evidence/).
    path("requests/<str:reference>/evidence.zip", evidence_views.case_bundle, name="case_evidence"),
    path("requests/<str:reference>/<slug:action>/", views.case_action, name="case_action"),
    # Dashboard and exports (requests_app/desk/report_views.py).
    path("dashboard/", report_views.dashboard, name="dashboard"),
    # The register of scanners and what needs attention (requests_app/desk/register_views.py).
    path("scanners/", register_views.scanners, name="scanners"),
    path("scanners/<uuid:public_id>/decommission/", register_views.decommission, name="decommission"),
    path("scanners/orders/<int:order_id>/certificate.<str:fmt>", register_views.order_certificate,
         name="order_certificate"),
    path("scanners/orders/<int:order_id>/evidence.zip", evidence_views.order_bundle, name="order_evidence"),
    # The filing threshold (Measures art. 15): count, obligations, pack (requests_app/desk/filing_views.py).
    path("filing/", filing_views.filing_page, name="filing"),
    *(path(f"filing/pack.{fmt}", filing_views.filing_pack_view, {"fmt": fmt}, name=f"filing_pack_{fmt}")
      for fmt in ("html", "pdf", "json")),
    # Regulators: their orders to answer, the record of their views (requests_app/desk/oversight_views.py).
    path("oversight/", oversight_views.oversight_page, name="oversight"),
    path("oversight/orders/<int:order_id>/acknowledge/", oversight_views.acknowledge, name="oversight_acknowledge"),
    path("oversight/orders/<int:order_id>/answer/", oversight_views.answer, name="oversight_answer"),
    # The organisation's own words in requesters' mails (owners; requests_app/desk/mail_views.py).
    path("mails/", mail_views.mail_wordings, name="mail_wordings"),
    path("mails/<slug:kind>/<str:language>/", mail_views.mail_wording, name="mail_wording"),
    # Whether and what the public transparency report shows, with its preview (owners; requests_app/desk/report_settings.py).
    path("transparency/", report_settings.settings_page, name="transparency"),
    path("export.csv", report_views.queue_csv, name="queue_csv"),
    path("requests/<str:reference>/casefile.html", report_views.casefile_html, name="casefile_html"),
    path("requests/<str:reference>/casefile.json", report_views.casefile_json, name="casefile_json"),
]
