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
