"""The sync protocol between a desktop and the server, and the desktop's client half.

`wire` holds the pydantic models both halves speak; it imports only pydantic (and
core), so the server and the desktop sync client can share it. The client half:
`api_client` (httpx, three kinds of failure), `backoff` (truncated exponential, full
jitter), `session` (login, token in memory, the remembered-login file), `service`
(SyncService: outbox push and reference pull on one worker thread) and `seat`
(`create_seat_sync`, what the composition root calls).
"""
