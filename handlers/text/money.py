"""Money as people read it: dollars and cents, with a fraction of a cent only when the price has one."""

from __future__ import annotations


def money(amount: float) -> str:
    """`$0.20`, `$0.015`, `$1,234.00`."""
    cents = f"{amount:,.2f}"
    if abs(round(amount, 2) - amount) < 1e-9:
        return f"${cents}"
    return "$" + f"{amount:,.6f}".rstrip("0")
