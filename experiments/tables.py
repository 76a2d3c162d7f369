"""Cells of the markdown tables that the studies write next to their JSON."""

from typing import Optional


def score_cell(value: Optional[float]) -> str:
    """A score as a table cell: three decimals, or empty when there is none.

    value (Optional[float]): The score, or None when it was not measured.
    RETURNS (str): The cell's text.
    """
    return "" if value is None else f"{value:.3f}"
