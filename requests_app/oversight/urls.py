"""The regulators' desk (namespace "oversight"): /oversight/ and /oversight/<organisation>/..."""

from django.urls import path

from requests_app.oversight import evidence_views, order_views, report_views, views

app_name = "oversight"

urlpatterns = [
    path("", views.organisations, name="organisations"),
    path("<slug:slug>/", views.overview, name="overview"),
    path("<slug:slug>/requests/", views.queue, name="queue"),
    path("<slug:slug>/requests/<str:reference>/", views.case, name="case"),
    path("<slug:slug>/requests/<str:reference>/casefile.html", views.casefile_view, {"fmt": "html"},
         name="casefile_html"),
    path("<slug:slug>/requests/<str:reference>/casefile.json", views.casefile_view, {"fmt": "json"},
         name="casefile_json"),
    path("<slug:slug>/requests/<str:reference>/documents/<slug:name>.html", views.document, {"fmt": "html"},
         name="document_html"),
    path("<slug:slug>/requests/<str:reference>/documents/<slug:name>.pdf", views.document, {"fmt": "pdf"},
         name="document_pdf"),
    path("<slug:slug>/requests/<str:reference>/proof.json", views.proof, name="proof"),
    path("<slug:slug>/requests/<str:reference>/evidence.zip", evidence_views.case_bundle, name="case_evidence"),
    path("<slug:slug>/scanners/", views.scanners, name="scanners"),
    path("<slug:slug>/scanners/orders/<int:order_id>/evidence.zip", evidence_views.order_bundle,
         name="order_evidence"),
    path("<slug:slug>/certificates/<str:number>.html", views.certificate, {"fmt": "html"}, name="certificate_html"),
    path("<slug:slug>/certificates/<str:number>.pdf", views.certificate, {"fmt": "pdf"}, name="certificate_pdf"),
    path("<slug:slug>/transparency/", report_views.transparency, name="transparency"),
    path("<slug:slug>/filing/", views.filings, name="filings"),
    *(path(f"<slug:slug>/filing/pack.{fmt}", views.filing_pack, {"fmt": fmt}, name=f"filing_pack_{fmt}")
      for fmt in ("html", "pdf", "json")),
    path("<slug:slug>/orders/", order_views.orders, name="orders"),
    path("<slug:slug>/orders/<int:order_id>/", order_views.order, name="order"),
]
