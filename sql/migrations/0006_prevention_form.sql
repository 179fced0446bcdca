-- Pencegahan as Bawaslu RI counts prevention (report-format.md, issue 13 item 4):
--   * stage: the optional column Tahapan as typed ("Non Tahapan" or the stage supervised);
--   * participants_na: 1 when Jumlah Peserta is empty or "-" for an activity where it does not
--     apply (a letter, an appeal, a publication; vocab.NO_PARTICIPANTS_ACTIVITIES), so the staging
--     SQL counts the cell as filled. Old rows keep NULL (read as 0, as they were counted before):
--     only the loader knows whether an empty reading was empty or unreadable; `rekap db rebuild`
--     reloads them from archive/ under the new rule.
ALTER TABLE pencegahan_records ADD COLUMN stage TEXT;
ALTER TABLE pencegahan_records ADD COLUMN participants_na SMALLINT;
-- The leadership workbook splits counted activities Tahapan / Non Tahapan (metrics.md).
ALTER TABLE int_counted_activity ADD COLUMN stage TEXT;
