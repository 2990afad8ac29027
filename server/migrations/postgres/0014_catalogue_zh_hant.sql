-- A department's or topic's own Traditional Chinese name (a catalogue file's `zh_hant`),
-- served instead of the conversion of `name` where the conversion reads wrong.
ALTER TABLE departments ADD COLUMN name_zh_hant TEXT;
ALTER TABLE topics ADD COLUMN name_zh_hant TEXT;
