DROP INDEX IF EXISTS sign_in_failures_by_address;
