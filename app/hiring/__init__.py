"""Hiring managers: assessments, invitations, blind ratings, agreement, stages and access rules."""
