"""The accounts app: the one home of identity (roles, passwords and lockout, second
factors and enrolment invites, sessions). The web UI, the command line and any later API
call these modules; none of them defines a rule of its own about who someone is."""
