//! Schemas every part of the document shares: the error body, the paging
//! parameters, and the macros that name the API's one-key and list bodies.

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Required, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::error::ErrorBody;
use crate::web::form::{MAX_PAGE, MAX_PER_PAGE, Paging};

/// The schemas no operation names by itself.
pub fn common(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((ErrorBody::name().into_owned(), ErrorBody::schema()));
    ErrorBody::schemas(schemas);
}

/// `?page=&per_page=`: both optional, whole numbers from 1.
impl IntoParams for Paging {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let number = |name: &str, max: i64, description: &str| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                            utoipa::openapi::KnownFormat::Int64,
                        )))
                        .minimum(Some(1))
                        .maximum(Some(max)),
                ))
                .build()
        };
        vec![
            number("page", MAX_PAGE, "The page, from 1 (the first)."),
            number(
                "per_page",
                MAX_PER_PAGE,
                "How many items a page holds (50 unless given).",
            ),
        ]
    }
}

/// Declares the schema of a one-key body, `{"<key>": <Item>}` (what
/// [`crate::web::named`] answers), for `#[utoipa::path]` to name.
#[macro_export]
macro_rules! named_body {
    ($(#[$meta:meta])* $name:ident { $key:ident: $item:ty }) => {
        $(#[$meta])*
        #[derive(utoipa::ToSchema)]
        #[allow(dead_code)]
        pub struct $name {
            $key: $item,
        }
    };
}

/// Declares the schema of one page of a list, `{"<key>": [<Item>], page,
/// per_page, total}` (what [`crate::web::form::Paging::listed`] answers).
#[macro_export]
macro_rules! page_body {
    ($(#[$meta:meta])* $name:ident { $key:ident: $item:ty }) => {
        $(#[$meta])*
        #[derive(utoipa::ToSchema)]
        #[allow(dead_code)]
        pub struct $name {
            $key: Vec<$item>,
            /// This page, from 1.
            page: i64,
            per_page: i64,
            /// How many there are in all pages.
            total: i64,
        }
    };
}
