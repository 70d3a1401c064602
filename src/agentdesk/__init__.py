"""agentdesk: a native desktop workstation for contact-center agents."""

__version__ = "0.1.0"
