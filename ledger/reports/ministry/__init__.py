"""The report to the Ministry (letter 837, item 4): its figures, the .docx, the .xlsx annex, the PDF,
the consolidation at a parent and the signed packages."""
