//! The query planner's statistics after a bulk load.

use diesel::QueryResult;
use diesel::RunQueryDsl;

use super::DbConn;

/// Gathers the planner's statistics after a bulk load (`loopwright demo`,
/// a benchmark's data set): `ANALYZE` on PostgreSQL. Without statistics
/// its planner guesses how selective each filter is, and on 68,000
/// scorecards it read a candidate's debrief through every submitted
/// scorecard: 320 ms a request instead of 2 ms (`docs/performance.md`).
/// Autovacuum gathers them in time where it runs, but a load should not
/// wait for it, and some servers run without it.
///
/// SQLite is left as it is: its statements are written for its planner
/// without statistics, and with them it chose a slower plan for the
/// candidates list (`candidates::listing`).
pub fn refresh_statistics(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Postgresql(conn) => diesel::sql_query("ANALYZE").execute(conn).map(|_| ()),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// Rows a bulk change must reach before [`refresh_statistics_after`]
/// gathers statistics: below it the planner's guesses cost little, and
/// the bank seeded on every start stays well under it.
pub const BULK_ROWS: usize = 1_000;

/// Whether a change of `changed` rows to tables that held `existing` is a
/// bulk load: at least [`BULK_ROWS`] rows and more than PostgreSQL's own
/// autovacuum rule (50 rows plus 10 % of the table:
/// `autovacuum_analyze_threshold`, `autovacuum_analyze_scale_factor`).
pub fn is_bulk_change(changed: usize, existing: usize) -> bool {
    changed >= BULK_ROWS && changed > 50 + existing / 10
}

/// [`refresh_statistics`] when the change is a bulk load
/// ([`is_bulk_change`]). Answers whether it ran.
pub fn refresh_statistics_after(
    conn: &mut DbConn,
    changed: usize,
    existing: usize,
) -> QueryResult<bool> {
    if !is_bulk_change(changed, existing) {
        return Ok(false);
    }
    refresh_statistics(conn).map(|()| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_change_is_large_against_what_was_there() {
        assert!(!is_bulk_change(150, 0), "the bank seeded on a first start");
        assert!(is_bulk_change(BULK_ROWS, 0));
        assert!(is_bulk_change(2_100, 20_000));
        assert!(!is_bulk_change(2_000, 20_000), "10 % and 50 rows of 20,000");
        assert!(!is_bulk_change(0, 20_000));
    }
}
