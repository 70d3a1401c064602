"""agentdesk.ui"""
