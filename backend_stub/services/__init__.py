"""Domain services: functions named for what they do; routes only call these."""
