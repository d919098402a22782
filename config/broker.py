"""The file-system broker of the embedded set-up, with messages that appear whole.

kombu's filesystem transport writes a message straight into the folder the worker reads,
and a worker polling while the web server is still writing can move the half-written
file away, fail to parse it and stop ("Unrecoverable error: JSONDecodeError"). This
transport writes each message under a name no queue matches and renames it into place,
which POSIX makes atomic, so a reader sees either no file or the whole one. config/celery.py
makes it the transport of `filesystem://` URLs.
"""

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f"writing-{uuid.uuid4().hex}")  # no ".msg": never read
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
