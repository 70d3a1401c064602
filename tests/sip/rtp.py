"""A minimal RTP peer (PCMU) for tests that must hear exactly what the phone sends.

sipp answers the call, but its SDP points the phone's audio at this socket; the
test then decodes what arrives (is the agent muted?) and can talk back.
"""

from __future__ import annotations

import math
import socket
import struct
import time

HOST = "127.0.0.1"
FRAME_SAMPLES = 160  # 20 ms at 8 kHz


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
            if len(data) < 12 or data[1] & 0x7F != 0:
                continue  # not PCMU (RTCP goes to the next port; events are other types)
            self.remote = source
            self.payloads.append(data[12:])
        now = time.monotonic()
        while self.talking and self.remote is not None and now >= self._next_send:
            self._send_frame()
            self._next_send = max(self._next_send + 0.02, now - 0.1)

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
