"""The sync protocol between a desktop and the server.

`wire` holds the pydantic models both halves speak; it imports only pydantic (and
core), so the server and the desktop sync client can share it.
"""
