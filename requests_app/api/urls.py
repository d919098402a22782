"""/api/v1/: officers' tools, citizens' apps and other systems (namespace "api")."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from requests_app.api import consent, devices, filing, officer, owner, register

app_name = "api"

# --- officers and owners (token or session; acting in one organisation) -----------------------
officer_router = SimpleRouter()
officer_router.register("requests", officer.RequestViewSet, basename="request")
officer_router.register("fulfilment-tasks", officer.FulfilmentTaskViewSet, basename="fulfilment-task")
officer_router.register("members", owner.MemberViewSet, basename="member")
officer_router.register("data-systems", owner.DataSystemViewSet, basename="data-system")
officer_router.register("processing-activities", owner.ActivityViewSet, basename="processing-activity")
officer_router.register("biometric-records", owner.BiometricRecordViewSet, basename="biometric-record")
# The register of collection points and devices, and the impact assessments (owners).
officer_router.register("collection-points", register.CollectionPointViewSet, basename="collection-point")
officer_router.register("devices", register.DeviceViewSet, basename="device")
officer_router.register("impact-assessments", register.ImpactAssessmentViewSet, basename="impact-assessment")
# The consent ledger (owners and officers): consents given and withdrawn.
officer_router.register("consent-ledger", consent.ConsentLedgerViewSet, basename="consent-entry")

urlpatterns: list = [
    *officer_router.urls,
    path("dashboard/", officer.DashboardView.as_view(), name="dashboard"),
    path("organisation/", owner.OrganisationView.as_view(), name="organisation"),
    path("register/flags/", register.RegisterFlagsView.as_view(), name="register-flags"),
    path("filing/", filing.FilingView.as_view(), name="filing"),
]

# --- citizens (no account) and systems: requests_app/api/citizen.py, systems.py ---------------
from requests_app.api import citizen, systems  # noqa: E402
from requests_app.workflow.steps import SUBJECT_STEPS  # noqa: E402

urlpatterns += [
    path("public/requests/", citizen.RequestsView.as_view(), name="public-requests"),
    path("public/submissions/<uuid:submission>/verify/", citizen.VerifyView.as_view(), name="public-verify"),
    path("public/submissions/<uuid:submission>/resend/", citizen.ResendView.as_view(), name="public-resend"),
    path("public/status/<str:token>/", citizen.StatusView.as_view(), name="public-status"),
    # The requester's steps, one per registered step (requests_app/workflow/steps.py SUBJECT_STEPS).
    *(path(f"public/status/<str:token>/<str:reference>/{step.api_path}/", citizen.STEP_VIEWS[name].as_view(),
           name=f"public-{step.api_path}") for name, step in SUBJECT_STEPS.items()),
    path("systems/fulfilment-tasks/<uuid:public_id>/callback/", systems.FulfilmentCallbackView.as_view(),
         name="systems-fulfilment-callback"),
    # Gates and terminals that keep templates on themselves: their deletions and receipts.
    path("device/deletions/", devices.pending_deletions, name="device-deletions"),
    path("device/receipts/", devices.receipts, name="device-receipts"),
    path("device/inventory/", devices.inventory, name="device-inventory"),
]
