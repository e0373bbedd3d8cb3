"""Migration 8: e-invoice requests (发票), and an index that counts a coupon's uses
(services.coupon_uses; the limit is migration 6's `coupons.usage_limit`).

`invoices`: one per order; an individual's name and the
e-mail and phone the invoice goes to are personal data, stored as keyed hash + ciphertext +
masked form (services.personal_data); a company's name and tax number are not.
"""

INVOICES_SCHEMA = """
CREATE INDEX IF NOT EXISTS orders_coupon ON orders(coupon_code);
CREATE TABLE IF NOT EXISTS invoices (
  id TEXT PRIMARY KEY, order_id TEXT NOT NULL, order_no TEXT NOT NULL, kiosk_id TEXT,
  title_kind TEXT NOT NULL, title_shown TEXT NOT NULL DEFAULT '',
  title_sealed TEXT NOT NULL DEFAULT '', tax_number TEXT NOT NULL DEFAULT '',
  email_hash TEXT NOT NULL DEFAULT '', email_sealed TEXT NOT NULL DEFAULT '',
  email_masked TEXT NOT NULL DEFAULT '', phone_hash TEXT NOT NULL DEFAULT '',
  phone_sealed TEXT NOT NULL DEFAULT '', phone_masked TEXT NOT NULL DEFAULT '',
  amount_fen INTEGER NOT NULL, status TEXT NOT NULL, invoice_no TEXT NOT NULL DEFAULT '',
  pdf_url TEXT NOT NULL DEFAULT '', failure_code TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL, issued_at TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS invoices_order ON invoices(order_id);
CREATE INDEX IF NOT EXISTS invoices_created ON invoices(created_at)
"""
