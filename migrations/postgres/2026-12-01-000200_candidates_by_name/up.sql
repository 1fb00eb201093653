-- The candidates list pages in name order: read in index order, it stops
-- after one page instead of sorting every candidate.
CREATE INDEX candidates_by_name ON candidates (name, id);
