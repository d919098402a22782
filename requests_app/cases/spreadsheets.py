"""A cell of a CSV file a person may open in a spreadsheet (the desk's queue export, the
public transparency report's download).

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a
formula; such a cell is written with a leading apostrophe, which they show as text
(OWASP "CSV injection").
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The cell as text, defused if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
