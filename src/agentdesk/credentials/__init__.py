"""agentdesk.credentials"""
