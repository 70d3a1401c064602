"""Test fakes that implement agentdesk's ports with the same surface as the real thing."""
