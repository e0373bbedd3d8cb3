"""Migration 7 (issue 15): payments through real providers, refunds sent to them,
reconciliation reports. SQLite's words; stores/migrations.py translates for PostgreSQL."""

from __future__ import annotations

PAYMENTS_SCHEMA = """
ALTER TABLE payments ADD COLUMN gateway TEXT NOT NULL DEFAULT 'simulator';
ALTER TABLE payments ADD COLUMN provider_trade_no TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN provider_state TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN next_query_epoch REAL NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN give_up_epoch REAL NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN reverse_after_epoch REAL NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN reverse_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN paid_at TEXT;
CREATE INDEX IF NOT EXISTS payments_due ON payments(status, next_query_epoch);
CREATE INDEX IF NOT EXISTS payments_gateway_day ON payments(gateway, paid_at);
ALTER TABLE refunds ADD COLUMN provider_status TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN gateway TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN trade_no TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN out_refund_no TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN total_fen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN next_try_epoch REAL NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN done_at TEXT;
UPDATE refunds SET provider_status = 'none';
CREATE INDEX IF NOT EXISTS refunds_to_send ON refunds(provider_status, next_try_epoch);
CREATE TABLE IF NOT EXISTS reconciliation_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, day TEXT NOT NULL, gateway TEXT NOT NULL,
  ran_at TEXT NOT NULL, bill_lines INTEGER NOT NULL, our_lines INTEGER NOT NULL,
  mismatches INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS reconciliation_runs_day ON reconciliation_runs(day, gateway);
CREATE TABLE IF NOT EXISTS reconciliation_mismatches (
  id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, day TEXT NOT NULL,
  gateway TEXT NOT NULL, kind TEXT NOT NULL, trade_no TEXT NOT NULL,
  refund_no TEXT NOT NULL DEFAULT '', ours_fen INTEGER, theirs_fen INTEGER,
  ours_state TEXT NOT NULL DEFAULT '', theirs_state TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS reconciliation_mismatches_run ON reconciliation_mismatches(run_id)
"""
