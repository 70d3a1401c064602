"""The pure domain: dataclasses, state machines, rules and ports.

Nothing here imports Qt, pjsua2, SQLAlchemy, HTTP clients or keyring; import-linter
enforces it (see pyproject.toml).
"""
