"""Run the demo's gate vendor (requests_app/demo/vendor.py) until stopped."""

import logging

from django.core.management.base import BaseCommand

from requests_app.demo.vendor import Vendor, demo_secret, serve


class Command(BaseCommand):
    help = "Serve the demo gate vendor's webhook endpoint, which answers signed requests by signed callback."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--delay", type=float, nargs=2, default=(1.0, 4.0), metavar=("MIN", "MAX"),
                            help="seconds before an ordinary answer (default 1 to 4)")
        parser.add_argument("--late-every", type=int, default=5, help="every Nth answer is late (0: never)")
        parser.add_argument("--late-delay", type=float, default=25.0, help="seconds before a late answer")

    def handle(self, *args, host, port, delay, late_every, late_delay, **options):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        vendor = Vendor(secret=demo_secret(), delay=tuple(delay), late_every=late_every, late_delay=late_delay)
        server = serve(vendor, host, port)
        self.stdout.write(f"Demo gate vendor listening on http://{host}:{port}/hooks/rightsdesk")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
