"""Migration 12: reprint flags (services.reprints): the console flags a printed ticket to print
once more at a kiosk (any, or one named); the kiosk that reprints it consumes the flag."""

REPRINTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS reprint_flags (
  id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, order_id TEXT NOT NULL,
  kiosk_id TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL, state TEXT NOT NULL,
  flagged_by TEXT NOT NULL, flagged_at TEXT NOT NULL,
  closed_by TEXT NOT NULL DEFAULT '', closed_at TEXT);
CREATE INDEX IF NOT EXISTS reprint_flags_ticket ON reprint_flags(ticket_id, state);
CREATE INDEX IF NOT EXISTS reprint_flags_order ON reprint_flags(order_id)
"""
