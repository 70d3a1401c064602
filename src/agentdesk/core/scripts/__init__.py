"""Branching call scripts with an objection library (issue #5).

    model       the format as frozen dataclasses (Script, Node, Objection, ...)
    loader      YAML file -> Script, includes resolved, every value located
    validator   every problem with file, line and column; validate_text for the server
    engine      ScriptSession: one call walking a script (pure, clock injected)
    variables   {customer.first_name}-style variables rendered as styled segments
    fields      capture-field checks (number, date, phone, email, regex, ...)
    selection   choose_script by campaign, dialed number or queue
"""

from agentdesk.core.scripts.engine import (
    ComplianceNotAcknowledgedError,
    Detour,
    ObjectionUse,
    PathStep,
    ScriptOutcome,
    ScriptSession,
    ScriptStateError,
)
from agentdesk.core.scripts.fields import FieldCheck, FieldError, check_field
from agentdesk.core.scripts.model import (
    AppliesTo,
    CaptureField,
    Choice,
    FieldType,
    LocalizedText,
    Location,
    Node,
    NodeKind,
    Objection,
    Rebuttal,
    Script,
)
from agentdesk.core.scripts.problems import Problem, ScriptFormatError
from agentdesk.core.scripts.selection import choose_script
from agentdesk.core.scripts.validator import (
    load_and_validate,
    validate,
    validate_document,
    validate_text,
)
from agentdesk.core.scripts.variables import ScriptContext, Segment, SegmentKind, plain_text

__all__ = [
    "AppliesTo", "CaptureField", "Choice", "ComplianceNotAcknowledgedError", "Detour",
    "FieldCheck", "FieldError", "FieldType", "LocalizedText", "Location", "Node", "NodeKind",
    "Objection", "ObjectionUse", "PathStep", "Problem", "Rebuttal", "Script", "ScriptContext",
    "ScriptFormatError", "ScriptOutcome", "ScriptSession", "ScriptStateError", "Segment",
    "SegmentKind", "check_field", "choose_script", "load_and_validate", "plain_text",
    "validate", "validate_document", "validate_text",
]
