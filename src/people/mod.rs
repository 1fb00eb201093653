//! People: accounts and sessions (sign-in, sign-out, password resets), the
//! first administrator's setup, and the team (invitations, roles, access).

mod account_pages;
pub mod accounts;
mod api;
mod invitation_pages;
mod pages;
pub mod reset_requests;
pub mod setup;
mod setup_pages;
mod sign_in;
mod sign_in_api;
pub mod throttle;
pub mod tokens;
mod tokens_api;
mod tokens_pages;

use actix_web::web;

/// Its pages, for the one route table.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/setup/{token}", web::get().to(setup_pages::show))
        .route("/setup/{token}", web::post().to(setup_pages::create))
        .route("/login", web::get().to(sign_in::login_page))
        .route("/login", web::post().to(sign_in::login_form))
        .route("/logout", web::post().to(sign_in::logout_form))
        .route(
            "/password-reset",
            web::get().to(sign_in::reset_request_page),
        )
        .route(
            "/password-reset",
            web::post().to(sign_in::reset_request_form),
        )
        .route(
            "/password-reset/{token}",
            web::get().to(sign_in::reset_page),
        )
        .route(
            "/password-reset/{token}",
            web::post().to(sign_in::reset_form),
        )
        .route(
            "/invitations/{token}",
            web::get().to(invitation_pages::invitation_page),
        )
        .route(
            "/invitations/{token}",
            web::post().to(invitation_pages::invitation_form),
        )
        .route("/account", web::get().to(account_pages::show))
        .route("/account", web::post().to(account_pages::save))
        .route("/account/tokens", web::post().to(tokens_pages::create_form))
        .route(
            "/account/tokens/{id}/revoke",
            web::post().to(tokens_pages::revoke_form),
        )
        .route("/users", web::get().to(pages::list_page))
        .route("/users/invitations", web::post().to(pages::invite_form))
        .route(
            "/users/invitations/revoke",
            web::post().to(pages::revoke_invitation_form),
        )
        .route("/users/{id}", web::get().to(pages::edit_page))
        .route("/users/{id}", web::post().to(pages::edit_form))
        .route("/users/{id}/active", web::post().to(pages::active_form));
}

/// Its `/api/v1` routes (mounted under the scope by the route table).
pub fn api(r: &mut crate::openapi::ApiRoutes) {
    r.op(sign_in_api::__path_api_login, sign_in_api::api_login)
        .op(sign_in_api::__path_api_logout, sign_in_api::api_logout)
        .op(sign_in_api::__path_api_me, sign_in_api::api_me)
        .op(tokens_api::__path_api_list, tokens_api::api_list)
        .op(tokens_api::__path_api_create, tokens_api::api_create)
        .op(tokens_api::__path_api_revoke, tokens_api::api_revoke)
        .op(
            sign_in_api::__path_api_reset_request,
            sign_in_api::api_reset_request,
        )
        .op(sign_in_api::__path_api_reset, sign_in_api::api_reset)
        .op(api::__path_api_list, api::api_list)
        .op(api::__path_api_create, api::api_create)
        .op(api::__path_api_update, api::api_update)
        .op(api::__path_api_invite, api::api_invite)
        .op(api::__path_api_accept, api::api_accept);
}
