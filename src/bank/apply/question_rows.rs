//! Applying questions: in place by slug, with a revision when their content changes.

use super::*;

/// category, prompt, why, prep pointers, follow-ups, minutes, archived
type QuestionFields = (String, String, String, String, String, i64, bool);

fn question_fields(q: &QuestionSeed) -> QuestionFields {
    (
        q.category.clone(),
        q.prompt.clone(),
        q.why.clone(),
        json_list(&q.prep_pointers),
        json_list(&q.follow_ups),
        q.minutes,
        q.archived,
    )
}

/// What a question said, for its revision history.
pub(crate) fn snapshot(fields: &QuestionFields, version: i64) -> String {
    json!({
        "version": version,
        "category": fields.0,
        "prompt": fields.1,
        "why": fields.2,
        "prep_pointers": serde_json::from_str::<serde_json::Value>(&fields.3).unwrap_or_default(),
        "follow_ups": serde_json::from_str::<serde_json::Value>(&fields.4).unwrap_or_default(),
        "minutes": fields.5,
    })
    .to_string()
}

pub(crate) fn apply_questions(
    conn: &mut DbConn,
    seeds: &[QuestionSeed],
    ids_of: &LinkIds,
    actor: Option<i64>,
    report: &mut SeedReport,
    at: NaiveDateTime,
) -> Result<Vec<i64>, BankError> {
    let (track_ids, criterion_ids, kind_ids) =
        (&ids_of.tracks, &ids_of.criteria, &ids_of.stage_kinds);
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        Option<NaiveDateTime>,
        i64,
    );
    let slugs: Vec<&str> = seeds.iter().map(|q| q.slug.as_str()).collect();
    let mut existing: HashMap<String, Row> = HashMap::new();
    for chunk in slugs.chunks(500) {
        let rows: Vec<Row> = questions::table
            .filter(questions::slug.eq_any(chunk))
            .select((
                questions::id,
                questions::slug,
                questions::category,
                questions::prompt,
                questions::why_asked,
                questions::prep_pointers,
                questions::follow_ups,
                questions::suggested_minutes,
                questions::archived_at,
                questions::version,
            ))
            .load(conn)?;
        existing.extend(rows.into_iter().map(|r| (r.1.clone(), r)));
    }

    let mut ids = Vec::with_capacity(seeds.len());
    for q in seeds {
        let wanted = question_fields(q);
        let values = (
            questions::category.eq(&wanted.0),
            questions::prompt.eq(&wanted.1),
            questions::why_asked.eq(&wanted.2),
            questions::prep_pointers.eq(&wanted.3),
            questions::follow_ups.eq(&wanted.4),
            questions::suggested_minutes.eq(wanted.5),
        );
        let id = match existing.get(&q.slug) {
            None => {
                report.count(Outcome::Inserted);
                diesel::insert_into(questions::table)
                    .values((
                        questions::slug.eq(&q.slug),
                        values,
                        questions::version.eq(1),
                        questions::archived_at.eq(q.archived.then_some(at)),
                        questions::created_by.eq(actor),
                        questions::created_at.eq(at),
                        questions::updated_at.eq(at),
                    ))
                    .returning(questions::id)
                    .get_result(conn)?
            }
            Some(row) => {
                let current: QuestionFields = (
                    row.2.clone(),
                    row.3.clone(),
                    row.4.clone(),
                    row.5.clone(),
                    row.6.clone(),
                    row.7,
                    row.8.is_some(),
                );
                if current == wanted {
                    report.count(Outcome::Unchanged);
                } else {
                    report.count(Outcome::Updated);
                    // Archiving alone is not a new version of what the question says.
                    let text_changed = (
                        &current.0, &current.1, &current.2, &current.3, &current.4, current.5,
                    ) != (
                        &wanted.0, &wanted.1, &wanted.2, &wanted.3, &wanted.4, wanted.5,
                    );
                    let version = if text_changed {
                        diesel::insert_into(question_revisions::table)
                            .values((
                                question_revisions::question_id.eq(row.0),
                                question_revisions::version.eq(row.9),
                                question_revisions::snapshot.eq(snapshot(&current, row.9)),
                                question_revisions::changed_by.eq(actor),
                                question_revisions::created_at.eq(at),
                            ))
                            .execute(conn)?;
                        row.9 + 1
                    } else {
                        row.9
                    };
                    let archived_at = match (row.8, q.archived) {
                        (Some(t), true) => Some(t),
                        (None, true) => Some(at),
                        (_, false) => None,
                    };
                    diesel::update(questions::table.find(row.0))
                        .set((
                            values,
                            questions::version.eq(version),
                            questions::archived_at.eq(archived_at),
                            questions::updated_at.eq(at),
                        ))
                        .execute(conn)?;
                }
                row.0
            }
        };
        ids.push(id);
    }

    // Links, compared per question: three queries whatever the bank's size.
    let mut current_criteria: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let mut current_kinds: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let mut current_tracks: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for (q, c) in question_criteria::table
            .filter(question_criteria::question_id.eq_any(chunk))
            .select((
                question_criteria::question_id,
                question_criteria::criterion_id,
            ))
            .load::<(i64, i64)>(conn)?
        {
            current_criteria.entry(q).or_default().insert(c);
        }
        for (q, k) in question_stage_kinds::table
            .filter(question_stage_kinds::question_id.eq_any(chunk))
            .select((
                question_stage_kinds::question_id,
                question_stage_kinds::stage_kind_id,
            ))
            .load::<(i64, i64)>(conn)?
        {
            current_kinds.entry(q).or_default().insert(k);
        }
        for (q, t) in question_tracks::table
            .filter(question_tracks::question_id.eq_any(chunk))
            .select((question_tracks::question_id, question_tracks::track_id))
            .load::<(i64, i64)>(conn)?
        {
            current_tracks.entry(q).or_default().insert(t);
        }
    }
    for (q, &id) in seeds.iter().zip(&ids) {
        let wanted_criteria: BTreeSet<i64> = q
            .criteria
            .iter()
            .chain(&q.red_flags)
            .flat_map(|c| {
                q.tracks
                    .iter()
                    .filter_map(move |t| criterion_ids.get(&(t.clone(), c.clone())).copied())
            })
            .collect();
        sync(
            report,
            current_criteria.remove(&id).unwrap_or_default(),
            wanted_criteria,
            |wanted| {
                diesel::delete(
                    question_criteria::table.filter(question_criteria::question_id.eq(id)),
                )
                .execute(conn)?;
                for c in wanted {
                    diesel::insert_into(question_criteria::table)
                        .values((
                            question_criteria::question_id.eq(id),
                            question_criteria::criterion_id.eq(c),
                        ))
                        .execute(conn)?;
                }
                Ok(())
            },
        )?;
        let wanted_kinds: BTreeSet<i64> = q.stage_kinds.iter().map(|k| kind_ids[k]).collect();
        sync(
            report,
            current_kinds.remove(&id).unwrap_or_default(),
            wanted_kinds,
            |wanted| {
                diesel::delete(
                    question_stage_kinds::table.filter(question_stage_kinds::question_id.eq(id)),
                )
                .execute(conn)?;
                for k in wanted {
                    diesel::insert_into(question_stage_kinds::table)
                        .values((
                            question_stage_kinds::question_id.eq(id),
                            question_stage_kinds::stage_kind_id.eq(k),
                        ))
                        .execute(conn)?;
                }
                Ok(())
            },
        )?;
        let wanted_tracks: BTreeSet<i64> = q.tracks.iter().map(|t| track_ids[t]).collect();
        sync(
            report,
            current_tracks.remove(&id).unwrap_or_default(),
            wanted_tracks,
            |wanted| {
                diesel::delete(question_tracks::table.filter(question_tracks::question_id.eq(id)))
                    .execute(conn)?;
                for t in wanted {
                    diesel::insert_into(question_tracks::table)
                        .values((
                            question_tracks::question_id.eq(id),
                            question_tracks::track_id.eq(t),
                        ))
                        .execute(conn)?;
                }
                Ok(())
            },
        )?;
    }
    Ok(ids)
}
