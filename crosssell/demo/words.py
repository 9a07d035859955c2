"""Word lists the synthetic book is composed from: companies, people, reps.

Only the identifiers that must match the sample catalog (products, metrics,
personas, competitors) are shared with it; ``tests/unit/demo`` checks they do.
"""

from __future__ import annotations

import random

COMPANY_HEADS = (
    "Blue", "Granite", "Harbor", "Summit", "Cedar", "Iron", "Silver", "North", "Pine",
    "Red", "Clear", "Bright", "Stone", "Maple", "Oak", "River", "Lake", "Falcon", "Atlas",
    "Copper", "Juniper", "Aspen", "Beacon", "Sterling", "Willow", "Hawk", "Meridian", "Vista",
)  # fmt: skip
COMPANY_TAILS = (
    "water", "ridge", "field", "point", "gate", "brook", "line", "stone", "view", "haven",
    "crest", "wood", "bridge", "port", "vale", "light",
)  # fmt: skip
INDUSTRIES = (
    "Logistics", "Health", "Foods", "Manufacturing", "Financial", "Insurance", "Energy",
    "Retail", "Labs", "Media", "Construction", "Freight", "Biotech", "Hospitality",
    "Software", "Utilities", "Engineering", "Dental Group", "Credit Union", "Architects",
)  # fmt: skip
COMPANY_SUFFIXES = ("Inc.", "Group", "Co.", "LLC", "Corp.", "Holdings", "", "", "")

FIRST_NAMES = (
    "Aisha", "Ben", "Carla", "Daniel", "Elif", "Farah", "Gabriel", "Hana", "Ivan", "Jasmine",
    "Kofi", "Laura", "Mateo", "Nina", "Omar", "Paula", "Quentin", "Rosa", "Stefan", "Tara",
    "Umar", "Vera", "Wes", "Ximena", "Yusuf", "Zoe", "Amir", "Bianca", "Chen", "Diego",
    "Emma", "Felix", "Greta", "Hiro", "Ines", "Jonah", "Kira", "Leon", "Maya", "Noah",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Bauer", "Castillo", "Dubois", "Eriksen", "Fischer", "Gupta", "Haddad",
    "Ito", "Jensen", "Kowalczyk", "Lindqvist", "Moreau", "Nakamura", "Okonkwo", "Petrov",
    "Quinn", "Rossi", "Sandoval", "Tanaka", "Uribe", "Varga", "Whitaker", "Yilmaz",
    "Zhang", "Abbott", "Brennan", "Costa", "Delgado", "Novak", "Osei", "Park",
)  # fmt: skip

AE_OWNERS = ("Dana Whitfield", "Marcus Oyelaran", "Priya Raman", "Tom Kowalski", "Elena Vasquez")
CSM_OWNERS = (
    "Grace Liu", "Sam Okafor", "Hannah Brooks", "Luis Ortega", "Mei Tanaka", "Ravi Shah",
)  # fmt: skip
PARTNERS = ("Northbeam Consulting", "Kite & Anchor Digital", "Brightpath Partners")

# The people a sponsor is mapped from: not catalog personas, so adding them
# raises no stakeholder_expansion signal of its own.
SPONSOR_TITLES = (
    "VP Operations", "Chief Operating Officer", "VP Customer Experience", "CFO",
    "VP Engineering", "Chief Information Officer", "SVP Delivery",
)  # fmt: skip
OPERATOR_ROLES = {
    "workflow_platform": (
        "Operations Manager", "Project Coordinator", "PMO Analyst", "Program Manager",
        "Delivery Lead", "Business Analyst", "Finance Operations Analyst", "Team Lead",
    ),
    "service_desk": (
        "Support Team Lead", "Service Desk Manager", "IT Support Analyst", "Support Engineer",
        "Customer Care Supervisor", "Escalations Manager", "Knowledge Manager",
    ),
}  # fmt: skip

# Catalog personas (sample.yaml) with the title a person holding them has.
PERSONA_TITLES = {
    "insights_analytics": {
        "head_of_data": "Head of Data",
        "director_of_analytics": "Director of Analytics",
        "revops_lead": "RevOps Lead",
        "pmo_director": "PMO Director",
    },
    "automation_hub": {
        "director_of_operations": "Director of Operations",
        "head_of_it": "Head of IT",
        "integration_architect": "Integration Architect",
    },
    "security_compliance": {
        "vp_security": "VP Security",
        "ciso": "CISO",
        "compliance_officer": "Compliance Officer",
        "it_admin": "IT Administrator",
    },
}
COMPETITORS = {
    "insights_analytics": ("Tableau", "Power BI", "Looker", "Domo"),
    "automation_hub": ("Zapier", "Workato", "Make", "Tray.io"),
    "security_compliance": ("Okta Identity Governance", "Vanta", "Drata", "OneTrust"),
}
ADJACENT_NAMES = {
    "insights_analytics": "Flowboard Insights",
    "automation_hub": "Flowboard Automation Hub",
    "security_compliance": "Flowboard Shield",
}
# Which core products each adjacent product extends (sample.yaml ``extends``).
EXTENDS = {
    "insights_analytics": ("workflow_platform", "service_desk"),
    "automation_hub": ("workflow_platform",),
    "security_compliance": ("workflow_platform", "service_desk"),
}
WORKAROUND_KINDS = {
    "insights_analytics": ("export_to_spreadsheet", "manual_reconciliation", "bi_tool_extract"),
    "automation_hub": ("third_party_tool", "manual_data_entry", "custom_script"),
    "security_compliance": ("manual_access_review", "shared_credentials", "export_for_audit"),
}


def company_name(rng: random.Random, taken: set[str]) -> str:
    """A plausible company name not used yet in this book."""
    for _ in range(1000):
        head = rng.choice(COMPANY_HEADS) + rng.choice(COMPANY_TAILS)
        parts = [head, rng.choice(INDUSTRIES), rng.choice(COMPANY_SUFFIXES)]
        name = " ".join(p for p in parts if p)
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("ran out of company names")


def person_name(rng: random.Random, taken: set[str]) -> str:
    """A full name unique inside one account (two Laura Rossis confuse a brief)."""
    for _ in range(1000):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("ran out of person names")
