"""A minimal RTP peer for tests that must hear exactly what the phone sends.

sipp answers the call, but its SDP points the phone's audio at this socket; the
test then decodes what arrives (PCMU: is the agent muted? RFC 4733 events: which
digits?) and can talk back (a tone, or DTMF events).
"""

from __future__ import annotations

import math
import socket
import struct
import time

HOST = "127.0.0.1"
FRAME_SAMPLES = 160  # 20 ms at 8 kHz
EVENT_CODES = "0123456789*#ABCD"  # RFC 4733 event numbers 0..15


def ulaw_decode(byte: int) -> int:
    byte = ~byte & 0xFF
    sign = byte & 0x80
    exponent = (byte >> 4) & 0x07
    mantissa = byte & 0x0F
    sample = ((mantissa << 3) + 0x84) << exponent
    sample -= 0x84
    return -sample if sign else sample


def ulaw_encode(sample: int) -> int:
    sample = max(-32635, min(32635, sample))
    sign = 0x80 if sample < 0 else 0
    sample = abs(sample) + 0x84
    exponent = 7
    for exp in range(7, -1, -1):
        if sample & (0x4000 >> (7 - exp)):
            exponent = exp
            break
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


class RtpPeer:
    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((HOST, 0))
        self._sock.setblocking(False)
        self.port: int = self._sock.getsockname()[1]
        self.remote: tuple[str, int] | None = None  # learnt from the first packet
        self.payloads: list[bytes] = []
        self.digits = ""  # RFC 4733 events received, one per completed digit
        self._event_ts: set[int] = set()
        self.talking = False
        self._seq = 0
        self._ts = 0
        self._phase = 0
        self._next_send = 0.0

    def close(self) -> None:
        self._sock.close()

    def tick(self) -> None:
        """Read what arrived; send the frames that are due while talking."""
        while True:
            try:
                data, source = self._sock.recvfrom(2048)
            except BlockingIOError:
                break
            if len(data) < 12:
                continue
            self.remote = source
            payload_type = data[1] & 0x7F
            if payload_type == 0:
                self.payloads.append(data[12:])
            elif len(data) >= 16:
                self._on_event(data)
        now = time.monotonic()
        while self.talking and self.remote is not None and now >= self._next_send:
            self._send_frame()
            self._next_send = max(self._next_send + 0.02, now - 0.1)

    def _on_event(self, packet: bytes) -> None:
        timestamp = struct.unpack("!I", packet[4:8])[0]
        event, flags = packet[12], packet[13]
        # The end of an event is sent three times with one timestamp: count it once.
        if flags & 0x80 and timestamp not in self._event_ts and event < len(EVENT_CODES):
            self._event_ts.add(timestamp)
            self.digits += EVENT_CODES[event]

    def send_digit(self, digit: str, payload_type: int, frames: int = 5) -> None:
        """One RFC 4733 event: `frames` updates 20 ms apart, then the end three times."""
        assert self.remote is not None, "the phone has not sent us any RTP yet"
        event = EVENT_CODES.index(digit.upper())
        timestamp = self._ts + 10_000
        for n in range(frames + 3):
            end = n >= frames
            duration = FRAME_SAMPLES * min(n + 1, frames)
            header = struct.pack("!BBHII", 0x80, payload_type | (0x80 if n == 0 else 0),
                                 self._seq & 0xFFFF, timestamp, 0x1234ABCD)
            body = struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
            self._seq += 1
            self._sock.sendto(header + body, self.remote)
            time.sleep(0.005)
        self._ts = timestamp + FRAME_SAMPLES * frames

    def recent_level(self, frames: int = 10) -> float:
        """Mean absolute sample value of the last `frames` received frames."""
        recent = b"".join(self.payloads[-frames:])
        if not recent:
            return 0.0
        return sum(abs(ulaw_decode(b)) for b in recent) / len(recent)

    def _send_frame(self) -> None:
        samples = bytes(
            ulaw_encode(int(8000 * math.sin(2 * math.pi * 1000 * (self._phase + i) / 8000)))
            for i in range(FRAME_SAMPLES))
        self._phase += FRAME_SAMPLES
        header = struct.pack("!BBHII", 0x80, 0, self._seq & 0xFFFF, self._ts & 0xFFFFFFFF,
                             0x1234ABCD)
        self._seq += 1
        self._ts += FRAME_SAMPLES
        assert self.remote is not None
        self._sock.sendto(header + samples, self.remote)
