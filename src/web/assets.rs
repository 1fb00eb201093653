use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::State;
use crate::error::AppError;

pub async fn show(state: State, file: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (content_type, body) = state
        .templates
        .static_file(&file)
        .ok_or(AppError::NotFound)?;
    let cache = if state.config.dev_reload {
        "no-cache"
    } else {
        "public, max-age=3600"
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .body(body))
}
