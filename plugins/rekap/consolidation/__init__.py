"""The two-monthly consolidation (metrics.md): marts from sql/, the data and layout of the
leadership workbook, completeness of reporting, approval (DRAF/SEMENTARA/FINAL), delivery."""
