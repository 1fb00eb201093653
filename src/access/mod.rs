//! The one policy: who may do what (DESIGN.md, "Who may do what").
//!
//! [`can`] is pure: it answers from the actor (id and role) and the facts of
//! the thing acted on (a [`Scope`]: the job's hiring manager, whether the
//! actor interviews on the stage or the candidate, whether their own
//! scorecards are in). [`ensure`] loads the scope once and asks `can`; every
//! service entry point that reads or changes data calls it with the actor,
//! and hands the loaded ids on so nothing is looked up twice. Handlers do
//! not check on their own (one exception, documented where it is: user
//! creation refuses early, before it hashes a password).
//!
//! A refusal is a 403 with a reason, or a 404 where even the existence of the
//! thing must not leak (a candidate to someone not on their loop).

mod scope;

pub use scope::{Target, candidate_scope_of_stage, ensure, scope_of};

use crate::db::models::User;
use crate::domain::Role;
use crate::error::AppError;

/// Who is asking: enough to decide, nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: i64,
    pub role: Role,
}

impl From<&User> for Actor {
    fn from(user: &User) -> Self {
        Actor {
            id: user.id,
            role: user.role(),
        }
    }
}

/// Everything a person may ask to do. Role-only actions need no scope; the
/// others are asked of a job, a loop, a stage or a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Users, roles, invitations.
    ManageUsers,
    ReadBank,
    /// Edit the question bank, import and export it.
    EditBank,
    /// See the jobs list (each job then by `ReadJob`).
    ListJobs,
    CreateJob,
    /// A job, its criteria and its template loop.
    ReadJob,
    EditJob,
    /// A loop: a template loop as its job, a candidate's loop as the candidate.
    ReadLoop,
    EditLoop,
    /// See the candidates list and the form to add one.
    ListCandidates,
    /// Put a candidate on this job.
    AddCandidate,
    /// A candidate, their loop, schedule and prep pack.
    ManageCandidate,
    /// The interview kit of a stage on a candidate's loop.
    ReadKit,
    /// One's own scorecard on a stage: read, draft, submit, amend.
    KeepScorecard,
    /// Others' submitted scorecards and the debrief.
    ReadDebrief,
    RecordDecision,
    /// Interviewer calibration: everyone, an interviewer their own row only
    /// (the service narrows it); asked of a job, its hiring manager's.
    ReadCalibration,
    /// Agreement per criterion and question analytics: all jobs for
    /// recruiters and admins, a hiring manager's own jobs.
    ReadInsights,
    /// Erase (anonymise) a candidate's personal data, or export all of it.
    EraseCandidate,
    ExportCandidate,
    /// The audit log and who retention erases next.
    ReadAudit,
    /// One's own personal access tokens: list, create, revoke.
    KeepOwnTokens,
    /// Webhooks: register, delete, test, and read their delivery logs.
    ManageWebhooks,
    /// The API's OpenAPI document and reference page: documentation, no
    /// data, so anyone may read it, signed in or not ([`anonymous_may`]).
    ReadApiDocs,
}

/// The facts of the thing acted on that the rules need; loaded by [`ensure`].
/// The ids say where the thing sits, for the service to use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope {
    pub job_id: Option<i64>,
    pub hiring_manager_id: Option<i64>,
    pub loop_id: Option<i64>,
    /// Set on a candidate's loop and its stages; `None` on a template loop.
    pub candidate_id: Option<i64>,
    pub stage_id: Option<i64>,
    /// The actor interviews on this stage (a stage scope) or on some stage
    /// of this candidate's loop (a candidate scope).
    pub interviews: bool,
    /// Every scorecard the actor owes on this candidate is submitted.
    pub own_submitted: bool,
}

/// Why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// 403, with the reason shown to the person.
    Forbidden(&'static str),
    /// 404: the thing is not theirs to know of.
    Hidden,
}

const ROLE: &str = "Your role does not allow this.";
const RECRUITERS_READ: &str = "Recruiters read jobs and loops; their hiring manager changes them.";
const NOT_YOUR_JOB: &str = "This job is managed by someone else.";
const NOT_YOUR_JOB_CANDIDATES: &str = "This job is not one of yours.";
const SUBMIT_FIRST: &str = "Submit your own scorecard for this candidate first: you see the others' after that, so your judgement stays your own.";
const OWN_CALIBRATION: &str = "Interviewers see their own calibration in Insights.";
const DECIDERS: &str = "The hiring manager or an admin records the decision.";
const DATA_RIGHTS: &str = "Admins and recruiters erase or export a candidate's data.";

impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Forbidden(reason) => AppError::Forbidden(reason.into()),
            Denied::Hidden => AppError::NotFound,
        }
    }
}

fn allow(yes: bool, otherwise: Denied) -> Result<(), Denied> {
    if yes { Ok(()) } else { Err(otherwise) }
}

/// May `actor` do `action` to the thing `scope` describes?
pub fn can(actor: Actor, action: Action, scope: &Scope) -> Result<(), Denied> {
    use Action::*;
    use Role::*;
    let role = actor.role;
    let manages = role == HiringManager && scope.hiring_manager_id == Some(actor.id);
    let job = |write: bool| match role {
        Admin => Ok(()),
        HiringManager if manages => Ok(()),
        HiringManager => Err(Denied::Forbidden(NOT_YOUR_JOB)),
        Recruiter if !write => Ok(()),
        Recruiter => Err(Denied::Forbidden(RECRUITERS_READ)),
        Interviewer => Err(Denied::Forbidden(ROLE)),
    };
    let candidate = || allow(matches!(role, Admin | Recruiter) || manages, Denied::Hidden);
    match action {
        ManageUsers => allow(role == Admin, Denied::Forbidden(ROLE)),
        ReadBank => Ok(()),
        EditBank | CreateJob => allow(
            matches!(role, Admin | HiringManager),
            Denied::Forbidden(ROLE),
        ),
        ListJobs | ListCandidates => allow(role != Interviewer, Denied::Forbidden(ROLE)),
        ReadJob => job(false),
        EditJob => job(true),
        ReadLoop | EditLoop if scope.candidate_id.is_some() => candidate(),
        ReadLoop => job(false),
        EditLoop => job(true),
        AddCandidate => match role {
            Interviewer => Err(Denied::Forbidden(ROLE)),
            HiringManager if !manages => Err(Denied::Forbidden(NOT_YOUR_JOB_CANDIDATES)),
            _ => Ok(()),
        },
        ManageCandidate => candidate(),
        // Kits and scorecards exist only on a candidate's loop.
        ReadKit | KeepScorecard if scope.candidate_id.is_none() => Err(Denied::Hidden),
        ReadKit => allow(candidate().is_ok() || scope.interviews, Denied::Hidden),
        // Whatever the role: only those assigned have a scorecard to give.
        KeepScorecard => allow(scope.interviews, Denied::Hidden),
        // Independent judgement (DESIGN, note 1): whoever has a scorecard to
        // give on the candidate reads the others' once their own are in,
        // whatever their role.
        ReadDebrief if scope.interviews && !scope.own_submitted => {
            Err(Denied::Forbidden(SUBMIT_FIRST))
        }
        ReadDebrief if candidate().is_ok() => Ok(()),
        ReadDebrief if !scope.interviews => Err(Denied::Hidden),
        ReadDebrief => allow(scope.own_submitted, Denied::Forbidden(SUBMIT_FIRST)),
        RecordDecision => match role {
            Admin => Ok(()),
            HiringManager if manages => Ok(()),
            Interviewer => Err(Denied::Hidden),
            // Another job's manager learns nothing of its candidates
            // unless they interview on the loop.
            HiringManager if !scope.interviews => Err(Denied::Hidden),
            _ => Err(Denied::Forbidden(DECIDERS)),
        },
        // Without a job: the figures of whatever jobs the person may see.
        ReadCalibration if role == Interviewer || scope.job_id.is_none() => Ok(()),
        ReadInsights if role == Interviewer => Err(Denied::Forbidden(OWN_CALIBRATION)),
        ReadInsights if scope.job_id.is_none() => Ok(()),
        ReadCalibration | ReadInsights => job(false),
        EraseCandidate | ExportCandidate => match role {
            Admin | Recruiter => Ok(()),
            // Even on their own jobs: the design keeps data rights with
            // admins and recruiters.
            HiringManager => Err(Denied::Forbidden(DATA_RIGHTS)),
            // Interviewers do not learn whether the candidate exists.
            Interviewer => Err(Denied::Hidden),
        },
        ReadAudit => allow(role == Admin, Denied::Forbidden(ROLE)),
        KeepOwnTokens | ReadApiDocs => Ok(()),
        ManageWebhooks => allow(role == Admin, Denied::Forbidden(ROLE)),
    }
}

/// What someone who has not signed in may do: only read public
/// documentation. Everything else asks them to sign in.
pub fn anonymous_may(action: Action) -> bool {
    matches!(action, Action::ReadApiDocs)
}

/// Whether the role could do `action` to anything at all: asked when the
/// thing is not found, so a role that may never do it gets the same answer
/// whether or not the thing exists.
pub fn can_ever(actor: Actor, action: Action) -> Result<(), Denied> {
    let best = Scope {
        job_id: Some(0),
        hiring_manager_id: Some(actor.id),
        loop_id: Some(0),
        candidate_id: None,
        stage_id: Some(0),
        interviews: true,
        own_submitted: true,
    };
    let on_candidate = Scope {
        candidate_id: Some(0),
        ..best
    };
    match (can(actor, action, &best), can(actor, action, &on_candidate)) {
        (Ok(()), _) | (_, Ok(())) => Ok(()),
        // Where the thing would be hidden if it existed, a missing one is
        // hidden too: a guessed id tells nothing.
        (Err(Denied::Hidden), _) | (_, Err(Denied::Hidden)) => Err(Denied::Hidden),
        (Err(denied), _) => Err(denied),
    }
}

/// A role-only action (no thing to look at): 403 unless the role allows it.
pub fn require(actor: &User, action: Action) -> Result<(), AppError> {
    Ok(can(Actor::from(actor), action, &Scope::default())?)
}

/// Whether a role may do a role-only action at all: for navigation and for
/// showing or hiding a button; never a substitute for [`ensure`].
pub fn role_allows(role: Role, action: Action) -> bool {
    can(Actor { id: 0, role }, action, &Scope::default()).is_ok()
}

/// Who may read `/metrics`. A scraper asks, not a person, so the reader is
/// named by a setting: with a token configured (`LOOPWRIGHT_METRICS_TOKEN`),
/// whoever presents it as a bearer token; without one, a client on loopback
/// that did not come through a proxy (a proxy on the same machine would
/// otherwise make every visitor look local).
pub fn may_read_metrics(
    peer: Option<std::net::IpAddr>,
    proxied: bool,
    bearer: Option<&str>,
    configured_token: Option<&str>,
) -> bool {
    match configured_token {
        Some(token) => bearer.is_some_and(|sent| crate::auth::token::constant_time_eq(sent, token)),
        None => !proxied && peer.is_some_and(|ip| ip.is_loopback()),
    }
}

#[cfg(test)]
mod tests {
    use super::Action::*;
    use super::*;

    const ME: i64 = 7;
    const F: Denied = Denied::Forbidden("");

    fn as_role(role: Role) -> Actor {
        Actor { id: ME, role }
    }

    /// Compares outcomes by kind (allowed, 403, 404), not by wording.
    fn kind(r: Result<(), Denied>) -> Result<(), Denied> {
        r.map_err(|d| match d {
            Denied::Forbidden(_) => F,
            Denied::Hidden => Denied::Hidden,
        })
    }

    fn job(manager: Option<i64>) -> Scope {
        Scope {
            job_id: Some(1),
            hiring_manager_id: manager,
            ..Scope::default()
        }
    }

    fn candidate(manager: Option<i64>, interviews: bool, own_submitted: bool) -> Scope {
        Scope {
            candidate_id: Some(3),
            loop_id: Some(2),
            interviews,
            own_submitted,
            ..job(manager)
        }
    }

    type Answer = Result<(), Denied>;
    const H: Result<(), Denied> = Err(Denied::Hidden);
    const X: Result<(), Denied> = Err(F);
    const OK: Result<(), Denied> = Ok(());

    /// One row per (action, scope): admin, own hiring manager, another
    /// hiring manager, recruiter, interviewer.
    #[test]
    fn the_table_in_design_holds() {
        let mine = Some(ME);
        let theirs = Some(ME + 1);
        #[rustfmt::skip]
        let table: Vec<(Action, Scope, [Answer; 5])> = vec![
            (ManageUsers, Scope::default(), [OK, X, X, X, X]),
            (ReadBank, Scope::default(), [OK, OK, OK, OK, OK]),
            (EditBank, Scope::default(), [OK, OK, OK, X, X]),
            (CreateJob, Scope::default(), [OK, OK, OK, X, X]),
            (ListJobs, Scope::default(), [OK, OK, OK, OK, X]),
            (ListCandidates, Scope::default(), [OK, OK, OK, OK, X]),
            (ReadJob, job(mine), [OK, OK, X, OK, X]),
            (EditJob, job(mine), [OK, OK, X, X, X]),
            (ReadLoop, job(mine), [OK, OK, X, OK, X]),
            (EditLoop, job(mine), [OK, OK, X, X, X]),
            (AddCandidate, job(mine), [OK, OK, X, OK, X]),
            (ReadLoop, candidate(mine, false, false), [OK, OK, H, OK, H]),
            (EditLoop, candidate(mine, false, false), [OK, OK, H, OK, H]),
            (ManageCandidate, candidate(mine, false, false), [OK, OK, H, OK, H]),
            (ReadKit, candidate(mine, false, false), [OK, OK, H, OK, H]),
            (ReadKit, candidate(mine, true, false), [OK, OK, OK, OK, OK]),
            (KeepScorecard, candidate(mine, false, false), [H, H, H, H, H]),
            (KeepScorecard, candidate(mine, true, false), [OK, OK, OK, OK, OK]),
            (ReadDebrief, candidate(mine, false, false), [OK, OK, H, OK, H]),
            (ReadDebrief, candidate(mine, true, false), [X, X, X, X, X]),
            (ReadDebrief, candidate(mine, true, true), [OK, OK, OK, OK, OK]),
            (RecordDecision, candidate(mine, false, false), [OK, OK, H, X, H]),
            (RecordDecision, candidate(mine, true, true), [OK, OK, X, X, H]),
            (ReadCalibration, Scope::default(), [OK, OK, OK, OK, OK]),
            (ReadCalibration, job(mine), [OK, OK, X, OK, OK]),
            (ReadInsights, Scope::default(), [OK, OK, OK, OK, X]),
            (ReadInsights, job(mine), [OK, OK, X, OK, X]),
            (EraseCandidate, candidate(mine, false, false), [OK, X, X, OK, H]),
            (ExportCandidate, candidate(mine, true, true), [OK, X, X, OK, H]),
            (ReadAudit, Scope::default(), [OK, X, X, X, X]),
            (KeepOwnTokens, Scope::default(), [OK, OK, OK, OK, OK]),
            (ManageWebhooks, Scope::default(), [OK, X, X, X, X]),
            (ReadApiDocs, Scope::default(), [OK, OK, OK, OK, OK]),
        ];
        for (action, scope, expected) in table {
            let callers = [
                (as_role(Role::Admin), scope),
                (as_role(Role::HiringManager), scope),
                (
                    as_role(Role::HiringManager),
                    Scope {
                        hiring_manager_id: theirs,
                        ..scope
                    },
                ),
                (as_role(Role::Recruiter), scope),
                (as_role(Role::Interviewer), scope),
            ];
            for ((actor, scope), want) in callers.into_iter().zip(expected) {
                assert_eq!(
                    kind(can(actor, action, &scope)),
                    want,
                    "{action:?} by {:?} on {scope:?}",
                    actor.role
                );
            }
        }
    }

    /// What a role hears of a thing that does not exist: 403 where it could
    /// never act on such a thing, 404 where an existing one could be hidden
    /// from it, so a guessed id tells nothing.
    #[test]
    fn a_missing_thing_answers_as_a_hidden_one_would() {
        let interviewer = as_role(Role::Interviewer);
        assert_eq!(kind(can_ever(interviewer, ReadJob)), X);
        assert_eq!(kind(can_ever(interviewer, AddCandidate)), X);
        assert_eq!(can_ever(interviewer, ReadLoop), H);
        assert_eq!(can_ever(interviewer, EditLoop), H);
        assert_eq!(can_ever(interviewer, ManageCandidate), H);
        assert_eq!(can_ever(interviewer, RecordDecision), H);
        assert_eq!(can_ever(interviewer, ReadKit), OK);
        assert_eq!(kind(can_ever(as_role(Role::Recruiter), EditJob)), X);
        assert_eq!(can_ever(as_role(Role::Recruiter), EditLoop), OK);
    }

    #[test]
    fn kits_and_scorecards_exist_only_on_a_candidates_loop() {
        let template = Scope {
            interviews: true,
            ..job(Some(ME))
        };
        for role in Role::ALL {
            assert_eq!(can(as_role(role), ReadKit, &template), H);
            assert_eq!(can(as_role(role), KeepScorecard, &template), H);
        }
    }

    #[test]
    fn only_the_api_documentation_is_open_to_anyone() {
        assert!(anonymous_may(ReadApiDocs));
        for action in [ReadBank, KeepOwnTokens, ReadCalibration, ListJobs] {
            assert!(!anonymous_may(action), "{action:?}");
        }
    }

    #[test]
    fn refusals_say_why() {
        let scope = candidate(Some(ME + 1), true, false);
        assert_eq!(
            can(as_role(Role::Interviewer), ReadDebrief, &scope),
            Err(Denied::Forbidden(SUBMIT_FIRST))
        );
        assert_eq!(
            can(as_role(Role::Recruiter), EditJob, &job(None)),
            Err(Denied::Forbidden(RECRUITERS_READ))
        );
        assert_eq!(
            can(as_role(Role::Recruiter), RecordDecision, &scope),
            Err(Denied::Forbidden(DECIDERS))
        );
    }

    #[test]
    fn metrics_are_read_with_the_configured_token_else_from_loopback_only() {
        let local = Some(std::net::IpAddr::from([127, 0, 0, 1]));
        let remote = Some(std::net::IpAddr::from([203, 0, 113, 7]));
        assert!(may_read_metrics(local, false, None, None));
        assert!(
            !may_read_metrics(local, true, None, None),
            "through a proxy"
        );
        assert!(!may_read_metrics(remote, false, None, None));
        assert!(may_read_metrics(
            remote,
            true,
            Some("s3cret"),
            Some("s3cret")
        ));
        assert!(!may_read_metrics(local, false, None, Some("s3cret")));
        assert!(!may_read_metrics(
            local,
            false,
            Some("guess"),
            Some("s3cret")
        ));
    }
}
