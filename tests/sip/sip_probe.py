"""A minimal SIP caller over UDP: INVITE, time the 200 OK, ACK, BYE.

sipp times responses in whole milliseconds, which rounds a fast answer to zero; this
probe timestamps with perf_counter so sub-millisecond answers can be compared
(bench/softphone.py). It can also stream G.711 RTP (a tone) during the call, so a
callee's media path works, and run a hook the moment the answer to its BYE arrives,
while the callee is still finishing that call (tests/e2e/test_seat_shutdown.py sends
SIGTERM from there).
"""

from __future__ import annotations

import contextlib
import math
import random
import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass


def _ulaw(sample: int) -> int:
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    sample = min(abs(sample), clip) + bias
    exponent = 7
    for exp_mask in (0x4000, 0x2000, 0x1000, 0x800, 0x400, 0x200, 0x100):
        if sample & exp_mask:
            break
        exponent -= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def tone_payloads(freq: float = 1000.0, seconds: float = 1.0) -> list[bytes]:
    """20 ms PCMU frames of a sine tone."""
    frames = []
    for n in range(int(seconds * 50)):
        frames.append(bytes(_ulaw(int(8000 * math.sin(2 * math.pi * freq * (n * 160 + i) / 8000)))
                            for i in range(160)))
    return frames


@dataclass
class CallResult:
    answer_s: float  # INVITE sent -> 200 OK received
    status: int


class SipProbe:
    def __init__(self, target_host: str, target_port: int, user: str = "agent") -> None:
        self.target = (target_host, target_port)
        self.user = user
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", 0))
        self.rtp_port = self.rtp.getsockname()[1]

    def close(self) -> None:
        self.sock.close()
        self.rtp.close()

    def _recv_until(self, call_id: str, cseq_method: str, deadline: float,
                    wanted: tuple[int, ...] = (200,)) -> tuple[int, str]:
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no final response to {cseq_method}")
            self.sock.settimeout(remaining)
            data, addr = self.sock.recvfrom(65535)
            text = data.decode("utf-8", "replace")
            if f"Call-ID: {call_id}" not in text and f"i: {call_id}" not in text:
                continue
            first = text.split("\r\n", 1)[0]
            if not first.startswith("SIP/2.0"):
                # A request from the callee (e.g. its BYE or a re-INVITE): answer 200.
                self._reply_ok(text, addr)
                continue
            code = int(first.split()[1])
            if cseq_method not in re.search(r"CSeq:\s*\d+\s+(\w+)", text).group(1):
                continue
            if code >= 200 or code in wanted:
                return code, text

    def _reply_ok(self, request: str, addr: tuple[str, int]) -> None:
        keep = [line for line in request.split("\r\n")[1:]
                if re.match(r"(?i)^(via|from|to|call-id|cseq):", line)]
        self.sock.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) +
                          "\r\nContent-Length: 0\r\n\r\n").encode(), addr)

    def call(self, hold_s: float = 0.0, rtp_frames: list[bytes] | None = None,
             headers: dict[str, str] | None = None, timeout_s: float = 10.0,
             after_bye: Callable[[], None] | None = None) -> CallResult:
        call_id = uuid.uuid4().hex
        tag = uuid.uuid4().hex[:8]
        branch = "z9hG4bK" + uuid.uuid4().hex[:10]
        host, port = self.target
        uri = f"sip:{self.user}@{host}:{port}"
        sdp = (f"v=0\r\no=probe 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               f"m=audio {self.rtp_port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
               f"a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n")
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        invite = (f"INVITE {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{self.port};branch={branch}"
                  f";rport\r\nFrom: \"Bench\" <sip:+8613800138000@127.0.0.1:{self.port}>;tag={tag}"
                  f"\r\nTo: <{uri}>\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\n"
                  f"Contact: <sip:probe@127.0.0.1:{self.port}>\r\nMax-Forwards: 70\r\n{extra}"
                  f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}")
        started = time.perf_counter()
        self.sock.sendto(invite.encode(), self.target)
        code, response = self._recv_until(call_id, "INVITE", started + timeout_s)
        answered = time.perf_counter() - started
        to_header = re.search(r"(?im)^(?:To|t):\s*(.*)$", response).group(1).strip()
        contact = re.search(r"(?im)^(?:Contact|m):.*?<([^>]+)>", response)
        remote_target = contact.group(1) if contact else uri
        base = (f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{uuid.uuid4().hex[:10]}\r\n"
                f"From: \"Bench\" <sip:+8613800138000@127.0.0.1:{self.port}>;tag={tag}\r\n"
                f"To: {to_header}\r\nCall-ID: {call_id}\r\n")
        ack = f"ACK {remote_target} SIP/2.0\r\n{base}CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
        self.sock.sendto(ack.encode(), self.target)
        if code != 200:
            return CallResult(answered, code)
        media = re.search(r"m=audio (\d+)", response)
        rtp_target = ("127.0.0.1", int(media.group(1))) if media else None
        self._stream(rtp_target, rtp_frames, hold_s, call_id)
        bye = (f"BYE {remote_target} SIP/2.0\r\n{base.replace(branch, 'x')}CSeq: 2 BYE\r\n"
               f"Content-Length: 0\r\n\r\n")
        self.sock.sendto(bye.encode(), self.target)
        self._recv_until(call_id, "BYE", time.perf_counter() + timeout_s)
        if after_bye is not None:
            after_bye()
        return CallResult(answered, code)

    def _stream(self, rtp_target, frames, hold_s, call_id) -> None:
        stop = time.perf_counter() + hold_s
        if not frames or rtp_target is None:
            while time.perf_counter() < stop:  # keep answering in-dialog requests
                try:
                    self.sock.settimeout(max(0.01, stop - time.perf_counter()))
                    data, addr = self.sock.recvfrom(65535)
                    text = data.decode("utf-8", "replace")
                    if not text.startswith("SIP/2.0") and call_id in text:
                        self._reply_ok(text, addr)
                except TimeoutError:
                    pass
            return
        seq, ts, ssrc = random.randint(0, 1000), 0, random.getrandbits(32)
        n = 0
        t0 = time.perf_counter()
        reader = threading.Thread(target=self._drain_rtp, args=(stop,), daemon=True)
        reader.start()
        while time.perf_counter() < stop:
            payload = frames[n % len(frames)]
            header = struct.pack("!BBHII", 0x80, 0, (seq + n) & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
            self.rtp.sendto(header + payload, rtp_target)
            n += 1
            ts += 160
            delay = t0 + n * 0.02 - time.perf_counter()
            if delay > 0:
                time.sleep(delay)  # paces RTP at 50 packets/s, as a phone does
        reader.join()

    def _drain_rtp(self, stop: float) -> None:
        while time.perf_counter() < stop:
            self.rtp.settimeout(0.1)
            with contextlib.suppress(TimeoutError, OSError):
                self.rtp.recvfrom(2048)
