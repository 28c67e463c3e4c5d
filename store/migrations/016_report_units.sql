-- The image and audio usage reports count what is billed per image, per
-- character spoken and per second transcribed; a reconcile prices them with
-- byok's catalog to share a day's cost among the keys that used them.
ALTER TABLE report_rows ADD COLUMN images INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_rows ADD COLUMN characters INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_rows ADD COLUMN seconds INTEGER NOT NULL DEFAULT 0;
