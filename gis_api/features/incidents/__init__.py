"""Incidents of the command centre: the six-step closed loop, deadlines, escalation, figures."""
