"""The softphone: the only package that imports pjsua2 (import-linter enforces it)."""
