//! The webhook tables (subscriptions, deliveries and their attempts), kept
//! by hand in step with the migrations like `schema.rs`, which re-exports
//! them.

use super::schema::users;

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        events -> Text,
        secret -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event -> Text,
        event_key -> Text,
        candidate_id -> Nullable<BigInt>,
        body -> Text,
        state -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        last_status_code -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempt -> BigInt,
        status_code -> Nullable<BigInt>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhooks -> users (created_by));
diesel::allow_tables_to_appear_in_same_query!(webhooks, webhook_deliveries, webhook_attempts);
diesel::allow_tables_to_appear_in_same_query!(webhooks, users);
