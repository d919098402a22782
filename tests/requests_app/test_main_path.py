"""The main path on real processes: `make run`'s set-up (SQLite, the file-system broker, a
real worker) fulfils requests while this process keeps writing, with no lock error; and
the demo's gate vendor, a real HTTP server, takes a deletion to its certificate through a
real worker and the signed callback."""

import json
import subprocess
import sys
import threading

import pytest

from orgs.models import BiometricRecord, DataSystem
from requests_app.demo.vendor import Vendor, serve
from requests_app.models import FulfilmentTask, RightsRequest
from tests import factories
from tests.workers import ROOT, celery_queue, free_port, start_worker, wait_for  # noqa: F401


def test_the_embedded_set_up_fulfils_under_concurrent_writes_with_no_lock_error():
    """bench/path.py, small: SQLite and the file-system broker as `make run` has them, a real
    worker with two processes, and this process filing, verifying and approving meanwhile."""
    done = subprocess.run(
        [sys.executable, "bench/path.py", "--db", "sqlite", "--n", "12", "--pace", "0.05", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["fulfilled"] == 12
    assert result["lock_errors"] == 0
    assert result["max_s"] < 30  # never a lease's ten minutes


def test_the_sqlite_set_up_takes_its_write_lock_at_the_start_of_each_transaction():
    done = subprocess.run(
        [sys.executable, "-c", "import django, json; django.setup(); from django.conf import settings; "
                               "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings",
             "VAR_DIR": "/tmp/rightsdesk-settings-check"},
    )
    options = json.loads(done.stdout.strip().splitlines()[-1])
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 10
    assert "journal_mode=WAL" in options["init_command"]


@pytest.fixture
def vendor():
    secret = "demo-vendor-shared-secret-for-this-test"
    gate_vendor = Vendor(secret=secret, delay=(0.2, 0.5), late_every=0)
    port = free_port()
    server = serve(gate_vendor, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield secret, f"http://127.0.0.1:{port}/hooks/rightsdesk"
    server.shutdown()
    server.server_close()


def test_the_demo_vendor_takes_a_deletion_to_its_certificate(live_server, start_worker, vendor):  # noqa: F811
    secret, url = vendor
    park = factories.organisation(name="Hangzhou Wildlife World", slug="hww")
    officer = factories.member(park, "officer", username="park.officer")
    gate = factories.activity(park, name="Annual-pass entry by face")
    vault = factories.system(park, name="Biometric vault")
    factories.person_record(gate, data_system=vault)
    factories.webhook_system(park, name="Gate vendor cloud", url=url, secret=secret)
    start_worker(SITE_URL=live_server.url)  # the vendor calls back to this live server

    rr = factories.approved_request(park, officer)  # the worker begins fulfilment on commit

    fulfilled = wait_for(lambda: RightsRequest.objects.filter(pk=rr.pk, status="fulfilled").first(), timeout=60,
                         message="the request to be fulfilled")
    systems = {s["system"]: s for s in fulfilled.certificate.body["systems"]}
    assert systems["Gate vendor cloud"]["records"][0]["outcome"] == "deleted"
    assert systems["Gate vendor cloud"]["records"][0]["external_id"].startswith("gate-cloud-")
    assert systems["Biometric vault"]["records"][0]["outcome"] == "deleted"
    assert BiometricRecord.objects.get(organisation=park).state == BiometricRecord.State.DELETED
    cloud = FulfilmentTask.objects.get(request=rr, system__connector=DataSystem.Connector.WEBHOOK)
    assert cloud.status == FulfilmentTask.Status.DONE and "removed from every device" in cloud.result["note"]


def test_the_vendor_refuses_an_unsigned_request(vendor):
    import requests

    _secret, url = vendor
    response = requests.post(url, data=b'{"task": "x"}', headers={"Content-Type": "application/json"}, timeout=5)
    assert response.status_code == 401


def test_seeded_demo_webhook_system_has_the_vendor_secret(db):
    from requests_app.demo.seed import seed
    from requests_app.demo.vendor import demo_secret

    seed()

    system = DataSystem.objects.get(name="Gate vendor cloud")
    assert system.webhook_secret() == demo_secret()
    assert system.webhook_url == "http://127.0.0.1:8765/hooks/rightsdesk"
