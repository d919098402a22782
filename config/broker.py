"""The brokers' transports, each with one flaw of kombu 5.7.0 mended.

Redis (production, tests). A worker that loses Redis while a BRPOP is pending and tasks
are unacknowledged ("under load") died about one kill in five with `Unrecoverable error:
AttributeError("'NoneType' object has no attribute 'hostname'")`. On the connection
error Celery collects the connection: closing the consuming channel first reads the
pending BRPOP reply, which raises ConnectionError on the dead socket, so the channel is
left open while kombu already cleared the transport's `client` (kombu.Connection.collect
swallows the error). A bootstep then closes that channel: it drops its connection pools
and restores its unacked messages, which builds a new pool from `connection.client`,
None. An AttributeError is not a connection error, `ignore_errors` lets it through and
the worker ends. (The same path as celery/kombu#582, through a new door.) kombu 5.7.0 is
the newest release. RedisTransport closes the channel whole even when that read fails,
and a channel of a closed connection raises ConnectionError, which Celery rides out, where
it would raise AttributeError. config/celery.py makes it the transport of `redis://` URLs.

The file-system broker of the embedded set-up, with messages that appear whole.

kombu's filesystem transport writes a message straight into the folder the worker reads,
and a worker polling while the web server is still writing can move the half-written
file away, fail to parse it and stop ("Unrecoverable error: JSONDecodeError"). This
transport writes each message under a name no queue matches and renames it into place,
which POSIX makes atomic, so a reader sees either no file or the whole one. config/celery.py
makes it the transport of `filesystem://` URLs.
"""

import os
import uuid
from queue import Empty
from time import monotonic

import redis
from kombu.transport import filesystem
from kombu.transport import redis as kombu_redis
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


class RedisChannel(kombu_redis.Channel):
    def close(self):
        if self._in_poll and not self.closed:
            # The reply of the pending BRPOP; on a dead connection there is none, and the
            # rest of close() (pools, unacked messages, the poller) must still run now,
            # while the transport still knows its connection.
            try:
                self._brpop_read()
            except Empty:
                pass
            except self.connection_errors:
                pass  # _brpop_read disconnected and cleared _in_poll
        super().close()

    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection of this channel is closed")
        return super()._connparams(asynchronous=asynchronous)


class RedisTransport(kombu_redis.Transport):
    Channel = RedisChannel
