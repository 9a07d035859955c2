"""What customers write and say, per adjacent product, in their own words.

Pain tickets carry at least one catalog pain topic or phrase of their adjacent
product; background tickets carry none (a test checks both against the
catalog matcher), so only the accounts the book means to have an
adjacent-pain pattern have one.
"""

from __future__ import annotations

# (subject, description, topics); {n}, {tool}, {team} are filled per ticket.
PAIN_TICKETS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "insights_analytics": (
        (
            "Need a cross-project report for leadership",
            "Every Friday I pull status from {n} projects by hand. Is there a way to get a "
            "cross-project report without copying each board? Leadership wants one view.",
            ("reporting",),
        ),
        (
            "Numbers don't match between the portfolio view and the export",
            "Hours on the portfolio view and the CSV are off again this month. Finance "
            "flagged that the numbers don't match and we lost two days to manual "
            "reconciliation.",
            ("reporting", "data_export"),
        ),
        (
            "How do I build a dashboard for regional managers?",
            "We want to build a dashboard per region with open work, cycle time and overdue "
            "items. Right now I export to Excel and rebuild a pivot table every Monday.",
            ("dashboards",),
        ),
        (
            "Weekly status deck takes half a day",
            "Putting the weekly status deck together still takes me about {n} hours because "
            "I export to Excel and clean everything up first.",
            ("reporting",),
        ),
        (
            "Custom report on SLA breaches by client",
            "Our account directors asked for a custom report on SLA breaches grouped by "
            "client. The built-in reports only group by team.",
            ("reporting", "kpi"),
        ),
        (
            "Tracking KPIs across {team} teams",
            "We track five KPIs per team and the only way today is to export to Excel and "
            "merge {n} sheets. Can the product do this natively?",
            ("kpi", "analytics"),
        ),
    ),
    "automation_hub": (
        (
            "Hit the automation limit again",
            "Our intake rules stopped firing on Tuesday because we hit the automation limit "
            "for the month. Requests piled up for {n} hours until someone noticed.",
            ("automation",),
        ),
        (
            "{tool} jobs failing overnight",
            "We run about {n} Zapier zaps to push new projects into the ERP and three failed "
            "overnight with a rate limit error. Nobody knew until stand-up.",
            ("integrations", "api_limits"),
        ),
        (
            "Best way to keep the two systems in sync?",
            "Sales closes a deal in Salesforce and my team creates the onboarding project by "
            "hand. What is the recommended way to keep the two systems in sync?",
            ("sync", "integrations"),
        ),
        (
            "Duplicate entry of every purchase order",
            "Procurement enters each PO in NetSuite and then we do a duplicate entry on the "
            "board. It is roughly {n} POs a week and mistakes creep in.",
            ("integrations",),
        ),
        (
            "Webhook to the warehouse system keeps failing",
            "Our webhook returns 429s at peak hours, so we copy paste between the two tools "
            "whenever it fails.",
            ("webhooks",),
        ),
        (
            "Jobs lost in the manual handoff",
            "The manual handoff between the design board and the production schedule is "
            "where jobs get lost. Can a status change create the next task by itself?",
            ("automation",),
        ),
    ),
    "security_compliance": (
        (
            "Need an audit trail for approval changes",
            "Our auditors asked for an audit trail showing who changed the approval status "
            "on {n} change requests. I could not find it in the activity feed.",
            ("audit_log", "compliance"),
        ),
        (
            "Quarterly access review is all manual",
            "For our SOC 2 audit I run an access review every quarter. Today I export users "
            "to a spreadsheet and email {n} managers.",
            ("permissions", "soc2"),
        ),
        (
            "Single sign-on for the contractor group",
            "We need single sign-on enforced for contractors before the next security "
            "review. They still log in with passwords.",
            ("sso",),
        ),
        (
            "Data residency question from legal",
            "Legal wants EU customer records kept in an EU region. Data residency is now in "
            "the contract for {n} of our clients.",
            ("compliance",),
        ),
        (
            "Retention policy for closed tickets",
            "We need a retention policy that removes closed tickets after seven years. "
            "Compliance asked how we enforce it today and the honest answer is we don't.",
            ("data_retention", "compliance"),
        ),
        (
            "Who opened the finance space to everyone?",
            "Someone opened the finance space to the whole company last week. We need to see "
            "who changed it and when.",
            ("permissions", "audit_log"),
        ),
    ),
}

BACKGROUND_TICKETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Mention notifications arrive twice",
        "Since Monday every mention notification arrives twice on the phone app.",
        ("notifications",),
    ),
    (
        "Cannot upload attachments over 20 MB",
        "Uploading a {n} MB drawing fails with a generic error. Smaller files go through.",
        ("bug",),
    ),
    (
        "Invoice shows the old billing contact",
        "Our latest invoice still goes to a colleague who left. Please update it to me.",
        ("billing",),
    ),
    (
        "Board is slow to load after lunch",
        "The main board takes {n} seconds to open in the early afternoon. Mornings are fine.",
        ("performance",),
    ),
    (
        "Password reset email never arrives",
        "Two new starters requested a password reset and nothing reached their inbox.",
        ("login",),
    ),
    (
        "Calendar view shows the wrong time zone",
        "Due dates show one hour early for the team in Lisbon since the clocks changed.",
        ("bug",),
    ),
    (
        "Training session for new hires",
        "We have {n} people joining next month. Could we book an onboarding session?",
        ("onboarding",),
    ),
    (
        "Request: dark mode",
        "Several of the night shift asked whether a dark theme is on the roadmap.",
        ("feature_request",),
    ),
)

WORKAROUND_DETAILS = {
    "export_to_spreadsheet": "board exported to CSV and reworked in a spreadsheet",
    "manual_reconciliation": "hours reconciled by hand against the finance system",
    "bi_tool_extract": "nightly extract pulled into a separate BI tool",
    "third_party_tool": "status changes forwarded by an external automation tool",
    "manual_data_entry": "orders re-keyed from the ERP into the board",
    "custom_script": "in-house script polling the API to create follow-up tasks",
    "manual_access_review": "user list exported for a manual access review",
    "shared_credentials": "one shared admin login used by several contractors",
    "export_for_audit": "activity exported by hand for the auditors",
}

STRATEGIC_SHIFTS = {
    "insights_analytics": "Their COO announced data-driven operations reviews: every region "
    "reports the same five KPIs by next quarter, and they asked how Flowboard Insights fits.",
    "automation_hub": "They are merging three regional ops teams into one shared service "
    "centre and want intake and hand-offs to run without re-keying; Automation Hub came up.",
    "security_compliance": "They are bidding for EU public-sector work; tenders ask for SOC 2 "
    "evidence and EU data residency, which points at Flowboard Shield.",
}
PARTNER_FLAGS = {
    "insights_analytics": "{partner} is scoping a reporting overhaul for them and noticed all "
    "the project data lives in Flowboard; they suggest Insights rather than a separate BI build.",
    "automation_hub": "{partner} was asked to quote custom integration scripts between "
    "Flowboard and their ERP; Automation Hub would remove most of that work.",
    "security_compliance": "{partner} is running their ISO 27001 readiness project and flagged "
    "missing access reviews and audit logs in Flowboard.",
}
COMPETITOR_EVALUATIONS = (
    "Their ops director said they are trialling {competitor} for this and want a decision "
    "before quarter end."
)
COMPETITOR_PURCHASES = "They signed a two-year {competitor} contract covering this area."
QBR_NOTES = (
    "QBR with {sponsor}: adoption at {adoption}%, renewal conversation planned, no open risks.",
    "QBR: {sponsor} happy with support response times; asked for the product roadmap.",
    "QBR: new team of {n} onboarding next month; {sponsor} wants a training plan.",
)

# Pain in the operator's own words on a recorded call (for plays without a ticket).
CALL_QUOTES = {
    "insights_analytics": "Every Monday I rebuild the same spreadsheet so the leadership "
    "team can see where projects stand.",
    "automation_hub": "We re-key the same order in two systems and someone always misses one.",
    "security_compliance": "When the auditors ask who changed something, we simply can't "
    "answer without a week of digging.",
}

# The three discovery answers (workflow today; where time or accuracy is lost
# and its cost; the one fix and who feels it first), as the operator said them.
DISCOVERY = {
    "insights_analytics": (
        "{operator} and two analysts export every board to Excel each Monday and merge "
        "{n} sheets into the leadership pack; it takes most of a day.",
        "The merge is where it breaks: last quarter the hours were off twice and finance "
        "spent about {hours} hours reconciling before the board meeting.",
        "One live cross-project view of the five KPIs; the regional managers feel it first "
        "because they stop waiting for Monday's pack.",
    ),
    "automation_hub": (
        "Orders arrive in the ERP and {operator}'s team re-creates each one on the board by "
        "hand, about {n} a week, with a few Zapier zaps for the rest.",
        "Re-keying costs roughly {hours} hours a week and the zaps fail silently when they hit "
        "the rate limit; two customer launches slipped last quarter.",
        "Status changes that create the next task themselves; the production planners feel "
        "it first.",
    ),
    "security_compliance": (
        "{operator} exports the user list every quarter and emails {n} managers to confirm "
        "access; audit evidence is collected by hand.",
        "The last SOC 2 audit took about {hours} hours of screenshots and one finding on "
        "contractor access that nearly delayed a customer contract.",
        "Single sign-on plus an automatic access review; the IT admins feel it first, then "
        "the compliance team at the next audit.",
    ),
}
LOST_REASONS = (
    "Budget frozen until the next fiscal year; revisit after their planning cycle.",
    "They chose to extend an existing tool from another vendor for this year.",
    "The sponsor left the company and the new VP wants to finish the core rollout first.",
)
