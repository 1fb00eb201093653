//! Interviews: the kit an interviewer opens, the scorecard they keep, the
//! debrief where the panel's scorecards meet and the decision is recorded,
//! and the reminders that chase missing scorecards.

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
pub fn api(cfg: &mut web::ServiceConfig) {
    cfg.route("/me/interviews", web::get().to(api::api_my_interviews))
        .route("/stages/{id}/kit", web::get().to(api::api_kit))
        .route("/stages/{id}/scorecard", web::get().to(api::api_scorecard))
        .route(
            "/stages/{id}/scorecard",
            web::put().to(api::api_save_scorecard),
        )
        .route(
            "/stages/{id}/scorecard/submit",
            web::post().to(api::api_submit_scorecard),
        )
        .route(
            "/stages/{id}/scorecard/amendments",
            web::post().to(api::api_amend_scorecard),
        )
        .route("/candidates/{id}/debrief", web::get().to(api::api_debrief))
        .route("/candidates/{id}/decision", web::post().to(api::api_decide))
        .route(
            "/candidates/{id}/reminders",
            web::post().to(api::api_remind),
        );
}
