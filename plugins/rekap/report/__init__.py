"""A district's report workbook, read -> check (report-format.md): words, cells, opening a file,
the typed report, the GX row rules, the blank template. Nothing here touches the drive or the
warehouse."""
