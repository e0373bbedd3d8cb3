"""Checks of how a console page reads in the browser: a short label broken over two lines
(故障 as 故 / 障), the header's role badge cut off."""

from __future__ import annotations

BROKEN = """
const out = [];
for (const sel of arguments[0]) {
  for (const el of document.querySelectorAll(sel)) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                          .map(r => Math.round(r.top)));
    if (tops.size > 1) out.push(sel + " -> " + el.textContent.trim());
  }
}
return out;
"""

ROLE_CLIPPED = """
const role = document.querySelector(".topbar .role");
if (!role) return "no role badge";
const r = role.getBoundingClientRect();
if (role.scrollWidth > role.clientWidth + 1) return "role text wider than its badge";
if (r.right > window.innerWidth) return "role badge past the window's edge";
for (let el = role.parentElement; el; el = el.parentElement) {
  const style = getComputedStyle(el);
  if (style.overflow === "visible" && style.overflowX === "visible") continue;
  const box = el.getBoundingClientRect();
  if (r.left < box.left - 0.5 || r.right > box.right + 0.5) {
    return "role badge clipped by " + el.className;
  }
}
return "";
"""


def words_broken(driver: object, selectors: list[str]) -> list[str]:
    """The elements among `selectors` whose text runs over more than one line."""
    return driver.execute_script(BROKEN, selectors)  # type: ignore[attr-defined]


def role_badge_problem(driver: object) -> str:
    """ "" when the header's role badge is shown whole, else what is wrong."""
    return driver.execute_script(ROLE_CLIPPED)  # type: ignore[attr-defined]


OVERFLOWING = """
return [...document.querySelectorAll(".table-wrap")]
  .filter(w => w.scrollWidth > w.clientWidth + 1)
  .map(w => (w.querySelector("table") || {}).id + ": " + w.scrollWidth + " > " + w.clientWidth);
"""


def tables_overflowing(driver: object) -> list[str]:
    """The tables wider than their card (a sideways scroll bar)."""
    return driver.execute_script(OVERFLOWING)  # type: ignore[attr-defined]


def layout_problems(driver: object) -> list[str]:
    """What reads badly on this page: headers or badges broken over lines, a table wider than
    its card, the role badge cut. (The quiet "not configured: ..." badge may wrap, at its
    commas.)"""
    found = [f"broken: {b}" for b in words_broken(driver, [".table th", ".badge:not(.quiet)"])]
    found += [f"overflow: {t}" for t in tables_overflowing(driver)]
    role = role_badge_problem(driver)
    return found + ([role] if role else [])
