//! How the audit page words an event for an admin: what happened, to what
//! (a link where the thing has a page), and its details as named values.
//! The API keeps the recorded names and JSON as they are.

use serde::Serialize;

/// What an event kind says, e.g. "Scorecard submitted" for
/// `scorecard.submitted`; a kind not named here is shown as recorded.
pub fn label(kind: &str) -> &str {
    match kind {
        "candidate.created" => "Candidate added",
        "candidate.updated" => "Candidate changed",
        "candidate.erased" => "Candidate erased",
        "decision.recorded" => "Decision recorded",
        "email.sent" => "Email delivered",
        "invitation.created" => "Invitation sent",
        "invitation.accepted" => "Invitation accepted",
        "invitation.revoked" => "Invitation revoked",
        "job.created" => "Job created",
        "job.updated" => "Job changed",
        "job_criterion.added" => "Criterion added",
        "job_criterion.changed" => "Criterion changed",
        "job_criterion.removed" => "Criterion removed",
        "loop.edited" => "Loop edited",
        "password_reset.requested" => "Password reset asked for",
        "password_reset.completed" => "Password reset",
        "prep_pack.queued" => "Prep pack queued",
        "scorecard.submitted" => "Scorecard submitted",
        "scorecard.amended" => "Scorecard amended",
        "sign_in.succeeded" => "Signed in",
        "sign_in.failed" => "Sign-in refused",
        "sso.sign_in" => "Signed in with single sign-on",
        "sso.linked" => "Single sign-on linked",
        "sso.refused" => "Single sign-on refused",
        "stage.reassigned" => "Interviewers changed",
        "token.created" => "API token created",
        "token.revoked" => "API token revoked",
        "user.created" => "Person added",
        "user.updated" => "Person changed",
        "webhook.created" => "Webhook added",
        "webhook.deleted" => "Webhook deleted",
        other => other,
    }
}

/// What an event was about, as an admin reads it.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Subject {
    /// "Candidate 12", or the recorded type when it is not named here.
    pub text: String,
    /// The thing's page, for the kinds of thing that have one.
    pub href: Option<String>,
}

/// The subject `(subject_type, subject_id)` of an event, worded and linked.
pub fn subject(kind: &str, id: Option<i64>) -> Subject {
    let (name, page) = match kind {
        "candidate" => ("Candidate", Some("/candidates")),
        "job" => ("Job", Some("/jobs")),
        "webhook" => ("Webhook", Some("/webhooks")),
        "stage" => ("Stage", None),
        "loop" => ("Loop", None),
        "scorecard" => ("Scorecard", None),
        "user" => ("Person", None),
        "invitation" => ("Invitation", None),
        "outbox_message" => ("Email", None),
        "personal_access_token" => ("API token", None),
        other => (other, None),
    };
    match id {
        Some(id) => Subject {
            text: format!("{name} {id}"),
            href: page.map(|p| format!("{p}/{id}")),
        },
        None => Subject {
            text: name.to_owned(),
            href: None,
        },
    }
}

/// One recorded detail: its name in words and its value as text.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Detail {
    pub name: String,
    pub value: String,
}

/// An event's details (a JSON object) as named values, by name:
/// `candidate_id` reads "candidate id", lists are joined with commas, text
/// is shown as it is (escaped by the template), nested objects as JSON. A
/// value that is not an object is one detail named "details".
pub fn details(value: &serde_json::Value) -> Vec<Detail> {
    use serde_json::Value;
    fn text(v: &Value) -> String {
        match v {
            Value::Null => "none".to_owned(),
            Value::String(s) => s.clone(),
            Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
            other => other.to_string(),
        }
    }
    match value {
        Value::Object(fields) => fields
            .iter()
            .map(|(name, v)| Detail {
                name: name.replace('_', " "),
                value: text(v),
            })
            .collect(),
        Value::Null => Vec::new(),
        other => vec![Detail {
            name: "details".to_owned(),
            value: text(other),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_read_as_words_with_their_details_named() {
        assert_eq!(label("scorecard.submitted"), "Scorecard submitted");
        assert_eq!(label("something.new"), "something.new");
        assert_eq!(
            subject("candidate", Some(12)),
            Subject {
                text: "Candidate 12".into(),
                href: Some("/candidates/12".into())
            }
        );
        assert_eq!(subject("user", Some(3)).href, None);
        assert_eq!(subject("system", None).text, "system");
        let shown = details(&json!({"candidate_id": 4, "kinds": ["a", "b"], "name": "<b>"}));
        let pairs: Vec<(&str, &str)> = shown
            .iter()
            .map(|d| (d.name.as_str(), d.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("candidate id", "4"), ("kinds", "a, b"), ("name", "<b>")]
        );
        assert!(details(&json!(null)).is_empty());
    }
}
