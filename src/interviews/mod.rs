//! Interviews: the kit an interviewer opens, the scorecard they keep, the
//! debrief where the panel's scorecards meet and the decision is recorded,
//! and the reminders that chase missing scorecards.

pub mod answers;
mod api;
pub mod debrief;
mod debrief_pages;
pub mod kit;
mod kit_page;
pub mod leavers;
mod pages;
pub mod progress;
pub mod reminders;
pub mod scorecards;

use actix_web::web;

use crate::domain::Rating;

/// A rating's badge classes (`badge <tone>`), toned from good to bad:
/// strong yes solid green, yes green, no amber, strong no solid red, no
/// signal grey. Shown with the rating's words, never the colour alone.
pub(crate) fn rating_tone(rating: Rating) -> &'static str {
    match rating {
        Rating::StrongYes => "ok strong",
        Rating::Yes => "ok",
        Rating::No => "warn",
        Rating::StrongNo => "bad strong",
        Rating::NoSignal => "muted",
    }
}

/// A red flag's badge classes: observed red, not observed green.
pub(crate) fn red_flag_tone(observed: bool) -> &'static str {
    if observed { "bad" } else { "ok" }
}

/// Its pages, for the one route table.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/interviews", web::get().to(pages::interviews_page))
        .route("/stages/{id}/kit", web::get().to(pages::kit_page))
        .route(
            "/stages/{id}/scorecard",
            web::post().to(pages::scorecard_form),
        )
        .route(
            "/stages/{id}/scorecard/autosave",
            web::post().to(pages::autosave),
        )
        .route(
            "/stages/{id}/scorecard/amend",
            web::post().to(pages::amend_form),
        )
        .route(
            "/candidates/{id}/debrief",
            web::get().to(debrief_pages::debrief_page),
        )
        .route(
            "/candidates/{id}/decision",
            web::post().to(debrief_pages::decision_form),
        )
        .route(
            "/candidates/{id}/reassign",
            web::post().to(debrief_pages::reassign_form),
        )
        .route(
            "/candidates/{id}/remind",
            web::post().to(debrief_pages::remind_form),
        );
}

/// Its `/api/v1` routes (mounted under the scope by the route table).
pub fn api(r: &mut crate::openapi::ApiRoutes) {
    r.op(api::__path_api_my_interviews, api::api_my_interviews)
        .op(api::__path_api_kit, api::api_kit)
        .op(api::__path_api_scorecard, api::api_scorecard)
        .op(api::__path_api_save_scorecard, api::api_save_scorecard)
        .op(api::__path_api_submit_scorecard, api::api_submit_scorecard)
        .op(api::__path_api_amend_scorecard, api::api_amend_scorecard)
        .op(api::__path_api_debrief, api::api_debrief)
        .op(api::__path_api_decide, api::api_decide)
        .op(api::__path_api_remind, api::api_remind);
}
