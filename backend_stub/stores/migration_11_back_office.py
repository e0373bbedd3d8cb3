"""Migration 11 (issue 14, the back office's day): kiosk heartbeat history (pruned), the
out-of-service switch a kiosk reads in its heartbeat answer, console alerts (raised once,
cleared, acknowledged, sent to a webhook), and the indexes the range report needs. SQLite's
words; stores/migrations.py translates for PostgreSQL."""

from __future__ import annotations

BACK_OFFICE_SCHEMA = """
CREATE TABLE IF NOT EXISTS kiosk_heartbeats (
  id INTEGER PRIMARY KEY AUTOINCREMENT, kiosk_id TEXT NOT NULL, at TEXT NOT NULL,
  paper_level TEXT NOT NULL DEFAULT '', version TEXT NOT NULL DEFAULT '',
  catalog_version INTEGER, devices TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '', out_of_service INTEGER);
CREATE INDEX IF NOT EXISTS kiosk_heartbeats_kiosk ON kiosk_heartbeats(kiosk_id, at);
CREATE INDEX IF NOT EXISTS kiosk_heartbeats_at ON kiosk_heartbeats(at);
CREATE TABLE IF NOT EXISTS kiosk_service (
  kiosk_id TEXT PRIMARY KEY, out_of_service INTEGER NOT NULL DEFAULT 0,
  set_by TEXT NOT NULL DEFAULT '', set_at TEXT NOT NULL, reported INTEGER, reported_at TEXT);
CREATE TABLE IF NOT EXISTS console_alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, alert_key TEXT NOT NULL, kind TEXT NOT NULL,
  subject TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', raised_at TEXT NOT NULL,
  cleared_at TEXT, acked_at TEXT, acked_by TEXT NOT NULL DEFAULT '',
  sent_raised_at TEXT, sent_cleared_at TEXT, send_error TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX IF NOT EXISTS console_alerts_open ON console_alerts(alert_key)
  WHERE cleared_at IS NULL;
CREATE INDEX IF NOT EXISTS console_alerts_raised ON console_alerts(raised_at);
CREATE INDEX IF NOT EXISTS orders_paid_day ON orders(paid_at);
CREATE INDEX IF NOT EXISTS orders_created_day ON orders(created_at);
CREATE INDEX IF NOT EXISTS refunds_created_day ON refunds(created_at);
CREATE INDEX IF NOT EXISTS payments_paid_day ON payments(paid_at);
CREATE INDEX IF NOT EXISTS tickets_report ON tickets(order_id, product_id, ticket_type_id,
  unit_fen, paid_fen);
CREATE INDEX IF NOT EXISTS admissions_report ON admissions(day, direction, gate_id, at, people)
"""
