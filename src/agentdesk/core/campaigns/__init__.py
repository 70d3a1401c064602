"""Outbound campaigns in core: the rules model, the campaign file and the dial gate."""

from agentdesk.core.campaigns.gate import (
    REASONS,
    Attempts,
    Decision,
    DncLists,
    decide,
    lead_zones,
    next_eligible,
    number_zones,
)
from agentdesk.core.campaigns.rules import CampaignRules, Lead, RulesError, Window

__all__ = ["REASONS", "Attempts", "CampaignRules", "Decision", "DncLists", "Lead",
           "RulesError", "Window", "decide", "lead_zones", "next_eligible", "number_zones"]
