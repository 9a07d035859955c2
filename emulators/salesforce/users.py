"""The User and Organization objects, and the org's people.

A new org holds its integration user (the one crm_sync acts as) and a few
sales reps who own Opportunities, so ``OwnerId`` points at a real User and
``Owner.Name`` resolves in SOQL. Password and JWT logins for an unknown
username add a (standard) user, as a test playing a rep expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulators.salesforce.ids import KEY_PREFIXES, IdFactory
from emulators.salesforce.schema import FieldDef, ObjectDef
from emulators.salesforce.values import now_string

if TYPE_CHECKING:
    from emulators.salesforce.store import Store

INTEGRATION_USERNAME = "integration@crosssell.emulator"

# (username, first name, last name, title): the integration user first.
SEED_USERS: tuple[tuple[str, str, str, str], ...] = (
    (INTEGRATION_USERNAME, "Integration", "User", "Cross-sell integration"),
    ("avery.ae@crosssell.emulator", "Avery", "Chen", "Account Executive"),
    ("blake.ae@crosssell.emulator", "Blake", "Okafor", "Account Executive"),
    ("casey.csm@crosssell.emulator", "Casey", "Moreno", "Customer Success Manager"),
)


def _ro(name: str, kind: str, label: str, length: int = 0, **extra: Any) -> FieldDef:
    return FieldDef(name, kind, label, length, createable=False, updateable=False, **extra)


def user_object() -> ObjectDef:
    obj = ObjectDef("User", "User", "Users", KEY_PREFIXES["User"])
    obj.add(_ro("Id", "id", "User ID", 18, nillable=False, id_lookup=True))
    obj.add(FieldDef("Username", "string", "Username", 80, nillable=False, id_lookup=True))
    obj.add(FieldDef("FirstName", "string", "First Name", 40))
    obj.add(FieldDef("LastName", "string", "Last Name", 80, nillable=False))
    obj.add(_ro("Name", "string", "Full Name", 121, nillable=False))
    obj.add(FieldDef("Alias", "string", "Alias", 8, nillable=False))
    obj.add(FieldDef("Email", "email", "Email", 128, nillable=False))
    obj.add(FieldDef("Title", "string", "Title", 80))
    obj.add(FieldDef("IsActive", "boolean", "Active", nillable=False, defaulted_on_create=True))
    obj.add(_ro("UserType", "picklist", "User Type", 40, picklist=("Standard",)))
    obj.add(FieldDef("TimeZoneSidKey", "picklist", "Time Zone", 40, nillable=False))
    obj.add(FieldDef("LanguageLocaleKey", "picklist", "Language", 40, nillable=False))
    obj.add(FieldDef("LocaleSidKey", "picklist", "Locale", 40, nillable=False))
    for name, label in (("CreatedDate", "Created Date"), ("LastModifiedDate", "Last Modified")):
        obj.add(_ro(name, "datetime", label, nillable=False))
    obj.add(_ro("SystemModstamp", "datetime", "System Modstamp", nillable=False))
    return obj


def organization_object() -> ObjectDef:
    obj = ObjectDef("Organization", "Organization", "Organizations", KEY_PREFIXES["Organization"])
    obj.add(_ro("Id", "id", "Organization ID", 18, nillable=False))
    obj.add(_ro("Name", "string", "Name", 80, nillable=False))
    obj.add(_ro("OrganizationType", "picklist", "Edition", 40))
    obj.add(_ro("IsSandbox", "boolean", "Is Sandbox", nillable=False))
    obj.add(_ro("InstanceName", "string", "Instance Name", 5))
    obj.add(_ro("NamespacePrefix", "string", "Namespace Prefix", 15))
    obj.add(_ro("TrialExpirationDate", "datetime", "Trial Expiration Date"))
    obj.add(_ro("LanguageLocaleKey", "picklist", "Language", 40))
    obj.add(_ro("TimeZoneSidKey", "picklist", "Time Zone", 40))
    return obj


@dataclass
class Users:
    """Usernames to User ids, backed by User records in the store."""

    ids: IdFactory
    store: Store | None = None
    by_name: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for username, first, last, title in SEED_USERS:
            self._add(username, first, last, title)

    @property
    def integration_user_id(self) -> str:
        return self.by_name[INTEGRATION_USERNAME]

    def attach(self, store: Store, org_id: str, org_name: str) -> None:
        """Write the User records (and the Organization row) into ``store``."""
        self.store = store
        for username, first, last, title in SEED_USERS:
            self._record(username, first, last, title)
        for username in list(self.by_name):
            if username not in {u[0] for u in SEED_USERS}:
                self._record(username, "", username.split("@")[0], "")
        store.live["Organization"][org_id] = {
            "Id": org_id,
            "Name": org_name,
            "OrganizationType": "Developer Edition",
            "IsSandbox": False,
            "InstanceName": "EMU1",
            "NamespacePrefix": None,
            "TrialExpirationDate": None,
            "LanguageLocaleKey": "en_US",
            "TimeZoneSidKey": "GMT",
            "IsDeleted": False,
        }

    def user_id(self, username: str) -> str:
        key = username.lower()
        if key not in self.by_name:
            self._add(key, "", key.split("@")[0], "")
        return self.by_name[key]

    def record(self, user_id: str) -> dict[str, Any] | None:
        return self.store.live["User"].get(user_id) if self.store is not None else None

    def _add(self, username: str, first: str, last: str, title: str) -> None:
        self.by_name[username] = self.ids.fixed("005", len(self.by_name) + 1)
        if self.store is not None:
            self._record(username, first, last, title)

    def _record(self, username: str, first: str, last: str, title: str) -> None:
        assert self.store is not None
        user_id = self.by_name[username]
        if user_id in self.store.live["User"]:
            return
        now = now_string()
        self.store.live["User"][user_id] = {
            "Id": user_id,
            "Username": username,
            "FirstName": first or None,
            "LastName": last,
            "Name": f"{first} {last}".strip(),
            "Alias": (first[:1] + last[:4]).lower() or username[:8],
            "Email": username,
            "Title": title or None,
            "IsActive": True,
            "UserType": "Standard",
            "TimeZoneSidKey": "GMT",
            "LanguageLocaleKey": "en_US",
            "LocaleSidKey": "en_US",
            "CreatedDate": now,
            "LastModifiedDate": now,
            "SystemModstamp": now,
            "IsDeleted": False,
        }
