"""Migration 5 (stores/migrations.py): the console's tables (users, login failures, API
tokens, kiosk groups, audit). Written in SQLite's words; `stores.migrations.for_postgres`
translates them."""

from __future__ import annotations

CONSOLE_SCHEMA = """
CREATE TABLE IF NOT EXISTS console_users (
  id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT UNIQUE NOT NULL,
  display_name TEXT NOT NULL DEFAULT '', role TEXT NOT NULL, password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0, session_epoch INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, last_login_at TEXT);
CREATE TABLE IF NOT EXISTS console_login_failures (
  scope TEXT PRIMARY KEY, failures INTEGER NOT NULL DEFAULT 0,
  locked_until_epoch REAL NOT NULL DEFAULT 0, last_epoch REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS console_api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT, token_hash TEXT UNIQUE NOT NULL,
  user_id INTEGER NOT NULL, name TEXT NOT NULL, scope TEXT NOT NULL DEFAULT 'role',
  hint TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT);
CREATE INDEX IF NOT EXISTS console_api_tokens_user ON console_api_tokens(user_id);
CREATE TABLE IF NOT EXISTS console_kiosks (
  id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', group_name TEXT NOT NULL DEFAULT '',
  provisioned_at TEXT, provisioned_by TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS console_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user_id INTEGER,
  username TEXT NOT NULL DEFAULT '', action TEXT NOT NULL, target TEXT NOT NULL DEFAULT '',
  before TEXT NOT NULL DEFAULT '', after TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS console_audit_at ON console_audit(at);
"""
