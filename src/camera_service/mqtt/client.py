"""The MQTT client adapter: paho-mqtt (Debian's 1.6.1, and 2.x) behind a small asyncio
facade.

paho runs its network loop in its own thread (``loop_start``). That thread does the
blocking parts — name lookup, TCP connect, TLS handshake, the reconnect back-off
(``reconnect_delay_set``) — so a broker that is down, slow or black-holed never holds the
event loop. Its callbacks are handed to the loop with ``call_soon_threadsafe`` and run
there; ``publish``/``subscribe`` only queue a packet under paho's own locks and wake the
thread, so calling them from the loop does not block. (An ``add_reader``/``add_writer``
integration would run the same blocking connect and handshake on the loop itself.)

paho 2.x needs ``CallbackAPIVersion``; its VERSION2 callbacks carry a ``ReasonCode`` and
properties where 1.x passes an ``int``. ``_Paho`` hides the difference. A TLS setup that
fails is ``MqttUnavailable``; the connection's ups and downs are callbacks, not errors.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as paho

from ..config.model import MqttConfig
from ..errors import MqttUnavailable
from ..waits import bounded
from .messages import Message

log = logging.getLogger(__name__)
PAHO_2 = hasattr(paho, "CallbackAPIVersion")
STOP_TIMEOUT = 5.0  # s for the network thread to send what is queued and end
MAX_QUEUED = 1000


def reason_text(rc: Any, connack: bool = True) -> str:
    """A CONNACK (``connack``) or disconnect reason of either paho as words: 1.x gives a
    CONNACK code or an ``MQTT_ERR_*`` number, 2.x a ``ReasonCode``."""
    if isinstance(rc, int):
        if not rc:
            return "success"
        return str(paho.connack_string(rc) if connack else paho.error_string(rc))
    return str(rc)


def reason_failed(rc: Any) -> bool:
    if isinstance(rc, int):
        return rc != 0
    return bool(getattr(rc, "is_failure", int(getattr(rc, "value", 0)) != 0))


def tls_context(config: MqttConfig) -> ssl.SSLContext | None:
    """The TLS context of ``mqtt.tls`` (None without TLS); reads the files, so call it off
    the loop."""
    t = config.tls
    if t is None:
        return None
    ctx = ssl.create_default_context(cafile=str(t.ca) if t.ca else None)
    if t.cert is not None:
        ctx.load_cert_chain(str(t.cert), str(t.key) if t.key else None)
    return ctx


def _new_client(client_id: str) -> Any:
    if PAHO_2:
        return paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id,
                           protocol=paho.MQTTv311, clean_session=True)  # fmt: skip
    return paho.Client(client_id=client_id, protocol=paho.MQTTv311, clean_session=True)


class MqttClient:
    """``on_connected()``, ``on_disconnected(reason)`` and ``on_message(topic, payload,
    retained)`` are
    called on the event loop. ``will`` is sent by the broker if we vanish."""

    def __init__(
        self,
        config: MqttConfig,
        will: Message,
        on_connected: Callable[[], None],
        on_disconnected: Callable[[str], None],
        on_message: Callable[[str, bytes, bool], None],
    ) -> None:
        self.config = config
        self._will = will
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._on_message = on_message
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None
        self._refusal = ""
        self.connected = False

    async def start(self) -> None:
        """Starts the network thread; returns at once (the connection comes later)."""
        self._loop = asyncio.get_running_loop()
        c = self.config
        try:
            ctx = await asyncio.to_thread(tls_context, c)
        except (OSError, ssl.SSLError) as e:
            raise MqttUnavailable(f"mqtt.tls: {e}") from e
        client = _new_client(c.client_id)
        if ctx is not None:
            client.tls_set_context(ctx)
        if c.username:
            client.username_pw_set(c.username, c.password)
        client.will_set(self._will.topic, self._will.payload, qos=c.qos, retain=self._will.retain)
        client.reconnect_delay_set(min_delay=max(1, round(c.reconnect_min)),
                                   max_delay=max(1, round(c.reconnect_max)))  # fmt: skip
        client.max_queued_messages_set(MAX_QUEUED)  # QoS>0 messages caught by a disconnect
        client.on_connect = self._paho_connect
        client.on_disconnect = self._paho_disconnect
        client.on_message = self._paho_message
        client.on_connect_fail = self._paho_connect_fail
        self._client = client
        client.connect_async(c.host, c.port, keepalive=c.keepalive)
        client.loop_start()

    async def stop(self, last: list[Message]) -> None:
        """Sends ``last`` (e.g. ``offline``) and a clean DISCONNECT when connected, then ends
        the network thread (bounded: a thread stuck in a connect is left to die with us)."""
        client, self._client = self._client, None
        if client is None:
            return
        if self.connected:
            for m in last:
                client.publish(m.topic, m.payload, qos=self.config.qos, retain=m.retain)
            client.disconnect()  # queued after them: paho writes packets in order
        self.connected = False
        try:
            await bounded(asyncio.to_thread(client.loop_stop), STOP_TIMEOUT)
        except TimeoutError:
            log.warning("MQTT network thread did not end within %.0f s", STOP_TIMEOUT,
                        extra={"COMPONENT": "mqtt"})
            return
        # loop_start's wake-up socket pair outlives loop_stop in paho 1.6 and 2.x; close it
        # (and the broker socket) now rather than leave it to the garbage collector
        reset = getattr(client, "_reset_sockets", None)
        if callable(reset):
            reset()

    def publish(self, m: Message) -> bool:
        """Queues ``m``; False when not connected (the caller republishes state on connect)."""
        if self._client is None or not self.connected:
            return False
        info = self._client.publish(m.topic, m.payload, qos=self.config.qos, retain=m.retain)
        return bool(info.rc == paho.MQTT_ERR_SUCCESS)

    def subscribe(self, topic: str) -> None:
        if self._client is not None and self.connected:
            self._client.subscribe(topic, qos=self.config.qos)

    # -- paho's thread → the loop -------------------------------------------------------

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(fn, *args)
            except RuntimeError:
                pass  # the loop closed in between: we are stopping

    def _paho_connect(self, client: Any, userdata: Any, flags: Any, rc: Any, *props: Any) -> None:
        if reason_failed(rc):
            self._call(self._refused, reason_text(rc))
        else:
            self._call(self._connected)

    def _paho_connect_fail(self, client: Any, userdata: Any) -> None:
        self._call(self._disconnected, "unreachable (no TCP or TLS connection)")

    def _paho_disconnect(self, client: Any, userdata: Any, *args: Any) -> None:
        rc = args[1] if PAHO_2 else args[0]  # 2.x: (flags, reason, properties); 1.x: (rc,)
        reason = reason_text(rc, connack=False) if reason_failed(rc) else "disconnected"
        self._call(self._disconnected, reason)

    def _paho_message(self, client: Any, userdata: Any, message: Any) -> None:
        self._call(self._on_message, str(message.topic), bytes(message.payload), bool(message.retain))

    # -- on the loop ----------------------------------------------------------------------

    def _connected(self) -> None:
        if self._client is None:
            return
        self.connected = True
        self._on_connected()

    def _refused(self, reason: str) -> None:
        if self._client is None:
            return  # stopping
        self.connected = False
        self._refusal = f"refused: {reason}"  # paho's disconnect that follows says less
        self._on_disconnected(self._refusal)

    def _disconnected(self, reason: str) -> None:
        if self._client is None:
            return  # stopping: the disconnect was ours
        self.connected = False
        reason, self._refusal = self._refusal or reason, ""
        self._on_disconnected(reason)
