//! Applying a track: its criteria and red flags, stage kinds, formats and suggested focus.

use super::*;

/// kind, name, description, candidate description, position
type CriterionFields = (String, String, String, String, i64);

pub(super) fn apply_track(
    conn: &mut DbConn,
    t: &crate::bank::TrackSeed,
    format_ids: &HashMap<String, i64>,
    kind_ids: &HashMap<String, i64>,
    report: &mut SeedReport,
    at: NaiveDateTime,
) -> Result<(i64, Vec<(String, i64)>), BankError> {
    let existing: Option<(i64, String, String)> = tracks::table
        .filter(tracks::slug.eq(&t.slug))
        .select((tracks::id, tracks::name, tracks::description))
        .first(conn)
        .optional()?;
    let track_id = match existing {
        None => {
            report.count(Outcome::Inserted);
            diesel::insert_into(tracks::table)
                .values((
                    tracks::slug.eq(&t.slug),
                    tracks::name.eq(&t.name),
                    tracks::description.eq(&t.description),
                    tracks::created_at.eq(at),
                    tracks::updated_at.eq(at),
                ))
                .returning(tracks::id)
                .get_result(conn)?
        }
        Some((id, name, description)) if name == t.name && description == t.description => {
            report.count(Outcome::Unchanged);
            id
        }
        Some((id, ..)) => {
            report.count(Outcome::Updated);
            diesel::update(tracks::table.find(id))
                .set((
                    tracks::name.eq(&t.name),
                    tracks::description.eq(&t.description),
                    tracks::updated_at.eq(at),
                ))
                .execute(conn)?;
            id
        }
    };

    let mut criterion_ids = Vec::new();
    for (position, c) in t.criterion.iter().enumerate() {
        let wanted: CriterionFields = (
            c.kind.clone(),
            c.name.clone(),
            c.description.clone(),
            c.candidate_description.clone(),
            position as i64,
        );
        let existing: Option<(i64, CriterionFields)> = criteria::table
            .filter(criteria::track_id.eq(track_id))
            .filter(criteria::slug.eq(&c.slug))
            .select((
                criteria::id,
                (
                    criteria::kind,
                    criteria::name,
                    criteria::description,
                    criteria::candidate_description,
                    criteria::position,
                ),
            ))
            .first(conn)
            .optional()?;
        let values = (
            criteria::kind.eq(&c.kind),
            criteria::name.eq(&c.name),
            criteria::description.eq(&c.description),
            criteria::candidate_description.eq(&c.candidate_description),
            criteria::position.eq(position as i64),
            criteria::updated_at.eq(at),
        );
        let id = match existing {
            None => {
                report.count(Outcome::Inserted);
                diesel::insert_into(criteria::table)
                    .values((
                        criteria::track_id.eq(track_id),
                        criteria::slug.eq(&c.slug),
                        criteria::created_at.eq(at),
                        values,
                    ))
                    .returning(criteria::id)
                    .get_result(conn)?
            }
            Some((id, current)) if current == wanted => {
                report.count(Outcome::Unchanged);
                id
            }
            Some((id, _)) => {
                report.count(Outcome::Updated);
                diesel::update(criteria::table.find(id))
                    .set(values)
                    .execute(conn)?;
                id
            }
        };
        criterion_ids.push((c.slug.clone(), id));
    }
    let by_slug: HashMap<&str, i64> = criterion_ids
        .iter()
        .map(|(s, id)| (s.as_str(), *id))
        .collect();

    let current = track_stage_kinds::table
        .filter(track_stage_kinds::track_id.eq(track_id))
        .select((
            track_stage_kinds::stage_kind_id,
            track_stage_kinds::position,
        ))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let wanted = t
        .stage_kinds
        .iter()
        .enumerate()
        .map(|(i, k)| (kind_ids[k], i as i64))
        .collect();
    sync(report, current, wanted, |wanted| {
        diesel::delete(track_stage_kinds::table.filter(track_stage_kinds::track_id.eq(track_id)))
            .execute(conn)?;
        for (kind_id, position) in wanted {
            diesel::insert_into(track_stage_kinds::table)
                .values((
                    track_stage_kinds::track_id.eq(track_id),
                    track_stage_kinds::stage_kind_id.eq(kind_id),
                    track_stage_kinds::position.eq(position),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;

    let current = track_formats::table
        .filter(track_formats::track_id.eq(track_id))
        .select((track_formats::format_id, track_formats::position))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let wanted = t
        .formats
        .iter()
        .enumerate()
        .map(|(i, f)| (format_ids[f], i as i64))
        .collect();
    sync(report, current, wanted, |wanted| {
        diesel::delete(track_formats::table.filter(track_formats::track_id.eq(track_id)))
            .execute(conn)?;
        for (format_id, position) in wanted {
            diesel::insert_into(track_formats::table)
                .values((
                    track_formats::track_id.eq(track_id),
                    track_formats::format_id.eq(format_id),
                    track_formats::position.eq(position),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;

    let current = stage_kind_focus::table
        .filter(stage_kind_focus::track_id.eq(track_id))
        .select((
            stage_kind_focus::stage_kind_id,
            stage_kind_focus::criterion_id,
        ))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let by_slug = &by_slug;
    let wanted = t
        .stage_focus
        .iter()
        .flat_map(|f| {
            f.criteria
                .iter()
                .map(move |c| (kind_ids[&f.stage_kind], by_slug[c.as_str()]))
        })
        .collect();
    sync(report, current, wanted, |wanted| {
        diesel::delete(stage_kind_focus::table.filter(stage_kind_focus::track_id.eq(track_id)))
            .execute(conn)?;
        for (kind_id, criterion_id) in wanted {
            diesel::insert_into(stage_kind_focus::table)
                .values((
                    stage_kind_focus::track_id.eq(track_id),
                    stage_kind_focus::stage_kind_id.eq(kind_id),
                    stage_kind_focus::criterion_id.eq(criterion_id),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;
    Ok((track_id, criterion_ids))
}
