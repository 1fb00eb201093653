-- A person's own IANA time zone; NULL shows them UTC.
ALTER TABLE users ADD COLUMN time_zone TEXT;
