"""Intake from the shared drive (domain.md "The shared drive"): the drive's layout and moves,
the scan of inbox/, the warehouse writes of a submission, the flow of one district, the
feedback workbook, the rebuild from archive/, and the operator's run log."""
