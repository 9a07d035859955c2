"""Salesforce names the crm_sync domain relies on: fields, picklist values, stages.

One place for every API name, so a typo is a NameError rather than a silent
extra field in a write.
"""

from __future__ import annotations

# Opportunity: the upsert key (an external id, unique). It is the URL key of the
# upsert, so it is not part of the field dicts this package builds.
PLAY_ID = "Cross_Sell_Play_Id__c"

# Standard Opportunity fields.
ID = "Id"
NAME = "Name"
TYPE = "Type"
STAGE = "StageName"
CLOSE_DATE = "CloseDate"
AMOUNT = "Amount"
ACCOUNT_ID = "AccountId"
OWNER_ID = "OwnerId"
LAST_MODIFIED_BY_ID = "LastModifiedById"
LAST_MODIFIED_DATE = "LastModifiedDate"
SYSTEM_MODSTAMP = "SystemModstamp"

# Custom Opportunity fields (shipped as metadata under deploy/salesforce/).
SIGNAL_SOURCE = "Signal_Source__c"
SIGNAL_TYPE = "Signal_Type__c"
SIGNAL_EVIDENCE = "Signal_Evidence__c"
PLAY_STATE = "Play_State__c"
PLAY_DEADLINE = "Play_Deadline__c"
SPONSOR_NAME = "Executive_Sponsor_Name__c"
SPONSOR_TITLE = "Executive_Sponsor_Title__c"
DISCOVERY_1 = "Discovery_Answer_1__c"
DISCOVERY_2 = "Discovery_Answer_2__c"
DISCOVERY_3 = "Discovery_Answer_3__c"
DISCOVERY_ANSWERS = (DISCOVERY_1, DISCOVERY_2, DISCOVERY_3)
HYGIENE = "Cross_Sell_Hygiene__c"

OPPORTUNITY_TYPE = "Cross-Sell"

# Signal_Source__c picklist (exact API values).
SOURCE_GAINSIGHT = "Gainsight"
SOURCE_CHURNZERO = "ChurnZero"
SOURCE_CATALYST = "Catalyst"
SOURCE_QBR_NOTE = "QBR Note"
SIGNAL_SOURCE_PICKLIST = (SOURCE_GAINSIGHT, SOURCE_CHURNZERO, SOURCE_CATALYST, SOURCE_QBR_NOTE)

# Standard Salesforce opportunity stages, in order.
STAGE_PROSPECTING = "Prospecting"
STAGE_QUALIFICATION = "Qualification"
STAGE_NEEDS_ANALYSIS = "Needs Analysis"
STAGE_VALUE_PROPOSITION = "Value Proposition"
STAGE_ID_DECISION_MAKERS = "Id. Decision Makers"
STAGE_PERCEPTION_ANALYSIS = "Perception Analysis"
STAGE_PROPOSAL = "Proposal/Price Quote"
STAGE_NEGOTIATION = "Negotiation/Review"
STAGE_CLOSED_WON = "Closed Won"
STAGE_CLOSED_LOST = "Closed Lost"
STANDARD_STAGES: tuple[str, ...] = (
    STAGE_PROSPECTING,
    STAGE_QUALIFICATION,
    STAGE_NEEDS_ANALYSIS,
    STAGE_VALUE_PROPOSITION,
    STAGE_ID_DECISION_MAKERS,
    STAGE_PERCEPTION_ANALYSIS,
    STAGE_PROPOSAL,
    STAGE_NEGOTIATION,
    STAGE_CLOSED_WON,
    STAGE_CLOSED_LOST,
)

# Fields Salesforce maintains itself; they say nothing about who changed what.
SYSTEM_FIELDS = frozenset(
    {
        ID,
        LAST_MODIFIED_BY_ID,
        LAST_MODIFIED_DATE,
        SYSTEM_MODSTAMP,
        "CreatedById",
        "CreatedDate",
        "IsDeleted",
        "LastActivityDate",
        "LastViewedDate",
        "LastReferencedDate",
    }
)
