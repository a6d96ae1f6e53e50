"""Makes the walk-through's sample letters (letter.pdf, letter-v2.pdf): tiny, valid, text PDFs about nobody.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install fpdf2==2.8.9 && /tmp/venv/bin/python docs/samples/make.py

The output is reproducible (fixed creation date, no compression), so re-running it gives the same bytes.
"""
from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).parent
LINES = [
    "Discharge summary",
    "",
    "SAMPLE DOCUMENT for the Quill Document Store walk-through. It is about nobody.",
    "Patient: NHS number 943 476 5919, the example number used throughout this repository.",
    "Admitted 2026-11-18, discharged 2026-11-20.",
    "",
]


def letter(name: str, extra: list[str]) -> None:
    pdf = FPDF(format="A4")
    pdf.set_compression(False)
    pdf.set_creation_date(datetime(2026, 11, 20, tzinfo=timezone.utc))
    pdf.set_title("Discharge summary (sample)")
    pdf.set_author("Quill Document Store")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in LINES + extra:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(HERE / name))


letter("letter.pdf", ["Version 1."])
letter("letter-v2.pdf", ["Version 2: the discharge medication corrected."])
