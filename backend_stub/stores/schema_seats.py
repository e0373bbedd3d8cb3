"""Migration 9: seated departures (座位). A departure is a slot of a `seated` product (its
inventory, holds and expiry are the slot's and the order's) plus where it goes and which
vehicle runs it; a seat is a column of the ticket, sold once by a unique index over live
tickets (as the real-name index is), so two kiosks or two backend workers cannot sell one seat
twice. Saved travellers keep a member's riders' ID numbers sealed (services.personal_data)."""

from __future__ import annotations

SEATS_SCHEMA = """
CREATE TABLE IF NOT EXISTS routes (
  id TEXT PRIMARY KEY, product_id TEXT NOT NULL, name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
  stops TEXT NOT NULL, duration_minutes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS vehicle_types (
  id TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL, layout TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vehicles (
  id TEXT PRIMARY KEY, vehicle_type_id TEXT NOT NULL, plate TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS departures (
  id TEXT PRIMARY KEY, route_id TEXT NOT NULL, vehicle_id TEXT NOT NULL,
  vehicle_type_id TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS departures_route ON departures(route_id);
ALTER TABLE tickets ADD COLUMN seat TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN seat_class TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX IF NOT EXISTS tickets_seat_once ON tickets(slot_id, seat)
  WHERE seat != '' AND status IN ('held', 'issued', 'printed', 'used');
CREATE TABLE IF NOT EXISTS saved_travellers (
  id TEXT PRIMARY KEY, member_id TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
  doc_type TEXT NOT NULL, doc_hash TEXT NOT NULL, doc_masked TEXT NOT NULL,
  doc_sealed TEXT NOT NULL, created_at TEXT NOT NULL, last_used_at TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS saved_travellers_once ON saved_travellers(member_id, doc_hash);
"""
