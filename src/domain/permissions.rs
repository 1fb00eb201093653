//! DESIGN.md's "Who may do what", as far as a role alone decides it.
//! Checks that depend on the thing (the jobs a hiring manager manages, the
//! stages an interviewer is on) add to these; they never widen them.

use super::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Users, roles, invitations.
    ManageUsers,
    ReadBank,
    /// Edit the question bank, import and export it.
    EditBank,
    /// Create jobs and edit criteria and template loops (hiring managers: their jobs).
    ManageJobs,
    ReadJobs,
    /// Candidates, their loops, scheduling, interviewers; prep packs.
    ManageCandidates,
    /// The debrief and others' submitted scorecards (interviewers: after their own).
    ReadDebrief,
    RecordDecision,
}

impl Role {
    pub fn may(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            ManageUsers => self == Admin,
            ReadBank => true,
            EditBank | ManageJobs | RecordDecision => matches!(self, Admin | HiringManager),
            ReadJobs | ManageCandidates => matches!(self, Admin | HiringManager | Recruiter),
            ReadDebrief => true,
        }
    }

    /// Where a person lands after signing in: what they came to do.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::Admin => "/users",
            Role::HiringManager => "/jobs",
            Role::Recruiter => "/candidates",
            Role::Interviewer => "/interviews",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn only_admins_manage_users() {
        assert!(Role::Admin.may(ManageUsers));
        for role in [Role::HiringManager, Role::Recruiter, Role::Interviewer] {
            assert!(!role.may(ManageUsers), "{role}");
        }
    }

    #[test]
    fn the_role_table_holds() {
        let table = [
            (EditBank, [true, true, false, false]),
            (ManageJobs, [true, true, false, false]),
            (ReadJobs, [true, true, true, false]),
            (ManageCandidates, [true, true, true, false]),
            (RecordDecision, [true, true, false, false]),
            (ReadBank, [true, true, true, true]),
        ];
        for (permission, expected) in table {
            for (role, allowed) in Role::ALL.into_iter().zip(expected) {
                assert_eq!(role.may(permission), allowed, "{role} {permission:?}");
            }
        }
    }
}
